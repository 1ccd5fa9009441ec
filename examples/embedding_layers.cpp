// Seed 001 (322c0357f13d3788), "The nn.Embedding Module", "Initialization Strategies",
// "Loading Pre-trained Embeddings" / "Handling Unknown Words", "Freezing and Fine-tuning",
// "Sparse Embeddings", "Memory Estimation" and "Best Practices" (the Vocabulary class and
// create_embedding_pipeline): nn::Embedding's options, pretrained vectors loaded for one's own
// vocabulary with a coverage report, and the pipeline from texts to a padded id batch.
//
//   ./embedding_layers [--smoke]   (run from the repository root; --smoke is the same run,
//   a second long, and exits 1 if a check fails: the padding row must stay zero through
//   training, max_norm must hold, the frozen table must not move)
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <ember/data/pretrained.h>
#include <ember/data/vectors.h>
#include <ember/data/vocab.h>
#include <ember/ember.h>

using namespace ember;

// [snippet:memory]
// estimate_embedding_memory: bytes of a [V, D] table of a dtype
struct EmbeddingMemory {
  double bytes, KB, MB, GB;
};
EmbeddingMemory estimate_embedding_memory(int64_t vocab_size, int64_t embedding_dim,
                                          DType dtype = kFloat32) {
  const double total_bytes = double(vocab_size * embedding_dim * int64_t(element_size(dtype)));
  return {total_bytes, total_bytes / 1024, total_bytes / (1024.0 * 1024),
          total_bytes / (1024.0 * 1024 * 1024)};
}
// [/snippet]

int main(int argc, char** argv) {
  (void)argc, (void)argv;  // --smoke runs the same small program
  try {
    manual_seed(0);
    bool ok = true;

    // [snippet:basic_usage]
    // Create an embedding layer: 1000 rows (the vocabulary) of 128 numbers
    nn::Embedding embedding(/*num_embeddings=*/1000, /*embedding_dim=*/128);
    std::printf("Embedding weight shape: %s\n", shape_str(embedding.weight.sizes()).c_str());
    // Look up embeddings for indices
    Tensor vectors = embedding.forward(tensor({1, 5, 3, 7}));
    std::printf("Output shape: %s\n", shape_str(vectors.sizes()).c_str());
    // Batch lookup: (batch_size=2, seq_len=3)
    Tensor batch_vectors =
        embedding.forward(tensor(std::vector<int64_t>{1, 2, 3, 4, 5, 6}, {2, 3}));
    std::printf("Batch output shape: %s\n", shape_str(batch_vectors.sizes()).c_str());
    // [/snippet]

    // [snippet:padding_idx]
    // Create embedding with padding at index 0: its row is zero and gets no gradient
    const int64_t PAD_IDX = 0;
    nn::EmbeddingOptions options;
    options.padding_idx = PAD_IDX;
    nn::Embedding padded(1000, 128, options);
    optim::SGD sgd(padded.parameters(), /*lr=*/0.1);
    Tensor indices = tensor({0, 1, 2, 0, 3});
    for (int step = 0; step < 3; ++step) {  // it stays zero even after training
      sgd.zero_grad();
      sum(pow(padded.forward(indices), 2.0)).backward();
      sgd.step();
    }
    Tensor looked_up = padded.forward(indices);
    std::printf("Embedding at position 0 (PAD): %g\n", looked_up[0].sum().item<double>());
    std::printf("Embedding at position 1: %g\n", looked_up[1].sum().item<double>());
    // [/snippet]
    ok = ok && abs(padded.weight[PAD_IDX]).sum().item<double>() == 0.0;

    // [snippet:max_norm]
    // max_norm: rows looked up are renormalised (in place) to an L2 norm of at most 1
    nn::EmbeddingOptions bounded;
    bounded.max_norm = 1.0;
    nn::Embedding renormed(1000, 128, bounded);
    Tensor row_norms = norm(renormed.forward(tensor({1, 5, 3, 7})), 2.0, {1});
    std::printf("norms after lookup: %s; row 9 (not looked up): %.2f\n", row_norms.str().c_str(),
                norm(renormed.weight[9]).item<double>());
    // [/snippet]
    ok = ok && max(row_norms).item<double>() <= 1.0 + 1e-5;

    // [snippet:initialization]
    // Default initialization: N(0, 1), as torch.nn.Embedding
    Tensor weight = embedding.weight.detach();
    const double weight_mean = mean(weight).item<double>();
    const double weight_std = std::sqrt(mean(pow(weight - weight_mean, 2.0)).item<double>());
    std::printf("Mean: %.4f\nStd: %.4f\n", weight_mean, weight_std);
    // Custom initialization: the same nn::init functions as torch.nn.init
    nn::init::uniform_(embedding.weight, -0.1, 0.1);
    nn::init::xavier_uniform_(embedding.weight);
    nn::init::normal_(embedding.weight, /*mean=*/0, /*std=*/0.01);
    const int64_t embedding_dim = 128;  // custom scaling based on embedding dimension
    nn::init::uniform_(embedding.weight, -1 / std::sqrt(embedding_dim),
                       1 / std::sqrt(embedding_dim));
    // [/snippet]

    // [snippet:pretrained]
    // initialize_with_pretrained: our vocabulary (<PAD> 0, <UNK> 1, then our words), each row
    // the pretrained vector where the file has one, <UNK> the mean of those, the rest N(0, 0.1)
    std::vector<std::string> texts = {"the president sent a message to congress",
                                      "the senate and the house passed the bill",
                                      "an ember tutorial for word embeddings"};
    data::VocabularyOptions vocab_options;
    vocab_options.specials = {"<PAD>", "<UNK>"};
    data::Vocabulary vocab = data::Vocabulary::build(texts, vocab_options);
    data::WordVectors pretrained = data::read_vectors("tests/data/eval_vectors.txt");
    data::PretrainedEmbedding loaded = data::build_pretrained_embedding(vocab, pretrained);
    std::printf("Vocabulary size: %lld\n%s\n", (long long)vocab.size(),
                loaded.coverage.summary().c_str());
    // [/snippet]
    ok = ok && loaded.coverage.found > 0 && loaded.coverage.found < loaded.coverage.total;

    // [snippet:freezing]
    // Freeze (feature extraction): from_pretrained with freeze=true, or requires_grad_(false)
    Tensor pretrained_weights = randn({1000, 128});
    auto frozen = nn::Embedding::from_pretrained(pretrained_weights, /*freeze=*/true);
    std::printf("requires_grad: %s\n", frozen->weight.requires_grad() ? "True" : "False");
    // Fine-tune: unfreeze it
    frozen->weight.requires_grad_(true);
    std::printf("requires_grad: %s\n", frozen->weight.requires_grad() ? "True" : "False");
    // [/snippet]

    // [snippet:sparse]
    // Sparse gradients: only the rows looked up are in the gradient and get updated
    nn::EmbeddingOptions sparse_options;
    sparse_options.sparse = true;
    nn::Embedding big(100000, 128, sparse_options);
    optim::SparseAdam sparse_adam(big.parameters(), /*lr=*/0.001);
    sum(big.forward(tensor({3, 141, 59, 3}))).backward();
    std::printf("gradient: row-sparse %s, %lld of %lld rows\n",
                big.weight.grad().is_row_sparse() ? "yes" : "no",
                (long long)big.weight.grad().indices().size(0), (long long)big.num_embeddings());
    sparse_adam.step();
    // [/snippet]

    // [snippet:memory_example]
    EmbeddingMemory memory = estimate_embedding_memory(100000, 300);
    std::printf("100K vocab x 300 dim: %.1f MB (float16: %.1f MB)\n", memory.MB,
                estimate_embedding_memory(100000, 300, kFloat16).MB);
    // [/snippet]
    ok = ok && std::abs(memory.MB - 114.44) < 0.01;

    // [snippet:vocabulary]
    // The Vocabulary class: special tokens first, then words by frequency (min_count, max_size)
    data::VocabularyOptions best_practice;
    best_practice.specials = {"<PAD>", "<UNK>", "<BOS>", "<EOS>"};
    best_practice.max_size = 8;
    data::Vocabulary words = data::Vocabulary::build(texts, best_practice);
    std::printf("%lld tokens: pad_idx %lld, unk_idx %lld; 'the' is %lld\n", (long long)words.size(),
                (long long)words.pad_id(), (long long)words.unk_id(), (long long)words.id("the"));
    std::vector<int64_t> encoded = words.encode("the senate passed the budget");
    std::printf("encode -> %s -> decode: %s\n", tensor(encoded).str().c_str(),
                words.decode(encoded).c_str());
    // [/snippet]

    // [snippet:pipeline]
    // create_embedding_pipeline: vocabulary, embedding (padding_idx, pretrained rows), the
    // texts encoded and padded into one [N, T] batch with their lengths
    data::PretrainedOptions pipeline_options;
    pipeline_options.lowercase_fallback = true;
    data::PretrainedEmbedding pipeline =
        data::build_pretrained_embedding(vocab, pretrained, pipeline_options);
    std::vector<Tensor> sequences;
    std::vector<int64_t> lengths;
    for (const std::string& text : texts) {
      sequences.push_back(tensor(vocab.encode(text)));
      lengths.push_back(sequences.back().size(0));
    }
    Tensor padded_batch = nn::pad_sequence(sequences, /*batch_first=*/true,
                                           /*padding_value=*/double(vocab.pad_id()));
    Tensor embedded = pipeline.embedding->forward(padded_batch);
    std::printf("padded %s, lengths %s -> embedded %s\n", shape_str(padded_batch.sizes()).c_str(),
                tensor(lengths).str().c_str(), shape_str(embedded.sizes()).c_str());
    // [/snippet]
    ok = ok && embedded.sizes() == Shape{3, 8, pretrained.dim};

    std::printf("%s\n", ok ? "all checks passed" : "a check FAILED");
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "embedding_layers: %s\n", e.what());
    return 1;
  }
}
