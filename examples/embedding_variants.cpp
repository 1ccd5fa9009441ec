// Seed 000 (2ab7594df1d23937), "Embedding Bag for Efficient Aggregation", "Custom Embedding
// Layers", "Embedding Regularization" and "Loading and Using Pre-trained Embeddings", and seed
// 001 (322c0357f13d3788), "Partial Fine-tuning" and "Embedding Compression": each embedding
// variant built and run on a small batch (shapes, losses, the compressed parameter counts),
// then PartiallyFrozenEmbedding fine-tuned on a toy task with its frozen rows checked.
//
//   ./embedding_variants           300 fine-tuning steps
//   ./embedding_variants --smoke   30 steps (run as a test); exits 1 if a check fails
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <ember/ember.h>
#include <ember/models/embedding_variant_models.h>

using namespace ember;

// 6419200 -> "6,419,200", as the seed's f"{n:,}"
static std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

int main(int argc, char** argv) {
  const bool smoke = argc > 1 && !std::strcmp(argv[1], "--smoke");
  manual_seed(0);
  const int64_t vocab_size = 20, embedding_dim = 8;

  // [snippet:bag]
  // Embedding bag: two documents of different lengths, concatenated, with offsets
  Tensor input_ids = tensor({1, 2, 3, 4, 5, 6});  // Concatenated word IDs
  Tensor offsets = tensor({0, 3});                // Doc 1: [1, 2, 3], Doc 2: [4, 5, 6]
  for (auto [mode, name] :
       {std::pair{nn::BagMode::kSum, "sum"}, std::pair{nn::BagMode::kMean, "mean"},
        std::pair{nn::BagMode::kMax, "max"}}) {
    models::EmbeddingBagModel bag(vocab_size, embedding_dim, mode);
    std::printf("EmbeddingBagModel (%s): %s -> %s\n", name, shape_str(input_ids.sizes()).c_str(),
                shape_str(bag.forward(input_ids, offsets).sizes()).c_str());
  }
  // [/snippet]

  // A batch of 2 sequences of 5 token ids
  Tensor batch = randint(0, vocab_size, {2, 5});

  // [snippet:custom_layers]
  models::PositionalEmbedding positional(vocab_size, embedding_dim, /*max_length=*/16);
  std::printf("PositionalEmbedding: %s -> %s\n", shape_str(batch.sizes()).c_str(),
              shape_str(positional.forward(batch).sizes()).c_str());

  models::ConditionalEmbedding conditional(vocab_size, embedding_dim, /*num_conditions=*/3);
  Tensor condition_ids = tensor({0, 2});  // one condition per sequence
  std::printf("ConditionalEmbedding: %s with conditions %s -> %s\n",
              shape_str(batch.sizes()).c_str(), shape_str(condition_ids.sizes()).c_str(),
              shape_str(conditional.forward(batch, condition_ids).sizes()).c_str());
  // [/snippet]

  // [snippet:regularization]
  models::RegularizedEmbedding regularized(vocab_size, embedding_dim);
  Tensor regularized_embeds = regularized.forward(batch);  // weight dropout while training
  std::printf("RegularizedEmbedding: %s -> %s, regularization_loss %.3g\n",
              shape_str(batch.sizes()).c_str(), shape_str(regularized_embeds.sizes()).c_str(),
              regularized.regularization_loss().item<float>());

  models::VariationalEmbedding variational(vocab_size, embedding_dim);
  auto [variational_embeds, kl_loss] = variational.forward_with_kl(batch);
  std::printf("VariationalEmbedding: %s -> %s (latent_dim %lld), kl_loss %.3f\n",
              shape_str(batch.sizes()).c_str(), shape_str(variational_embeds.sizes()).c_str(),
              static_cast<long long>(variational.latent_dim), kl_loss.item<float>());
  // [/snippet]

  // [snippet:adaptive]
  Tensor pretrained_embeddings = randn({vocab_size, embedding_dim});
  models::AdaptiveEmbedding adaptive(pretrained_embeddings, vocab_size, embedding_dim,
                                     /*adaptation_dim=*/4);
  std::printf("AdaptiveEmbedding: %s -> %s, %lld of %lld parameters trainable\n",
              shape_str(batch.sizes()).c_str(), shape_str(adaptive.forward(batch).sizes()).c_str(),
              static_cast<long long>(adaptive.num_parameters(true)),
              static_cast<long long>(adaptive.num_parameters()));
  // [/snippet]

  // [snippet:compression]
  models::CompressedEmbedding compressed(vocab_size, embedding_dim, /*rank=*/2);
  std::printf("CompressedEmbedding: %s -> %s\n", shape_str(batch.sizes()).c_str(),
              shape_str(compressed.forward(batch).sizes()).c_str());

  // Memory comparison
  const int64_t big_vocab = 100000, embed_dim = 300, rank = 64;
  models::ParameterCounts counts =
      models::CompressedEmbedding::parameter_counts(big_vocab, embed_dim, rank);
  std::printf("Full embedding: %s parameters\n", with_commas(counts.full).c_str());
  std::printf("Compressed (rank=%lld): %s parameters\n", static_cast<long long>(rank),
              with_commas(counts.compressed).c_str());
  std::printf("Compression ratio: %.1fx\n", counts.ratio());
  // [/snippet]

  // [snippet:partial]
  // Partial fine-tuning: keep the pretrained rows of the common words 0..4, train the rest
  // (and a classifier on top) to tell even ids from odd ones.
  std::vector<int64_t> frozen_indices = {0, 1, 2, 3, 4};
  models::PartiallyFrozenEmbedding embedding(pretrained_embeddings, frozen_indices);
  nn::Linear classifier(embedding_dim, 2);
  std::vector<Tensor> params = embedding.parameters();
  for (const Tensor& p : classifier.parameters()) params.push_back(p);
  optim::Adam optimizer(params, optim::AdamOptions(0.05).weight_decay(1e-2));
  nn::CrossEntropyLoss criterion;
  Tensor words = arange(vocab_size);
  Tensor labels = tensor(std::vector<int64_t>(vocab_size, 0));
  for (int64_t w = 1; w < vocab_size; w += 2) labels[w].fill_(1);
  const int steps = smoke ? 30 : 300;
  for (int step = 0; step <= steps; ++step) {
    optimizer.zero_grad();
    Tensor loss = criterion(classifier.forward(embedding.forward(words)), labels);
    if (step % (steps / 3) == 0) std::printf("step %3d  loss %.4f\n", step, loss.item<float>());
    if (step == steps) break;
    loss.backward();
    optimizer.step();
  }
  // [/snippet]
  Tensor table = embedding.table();
  bool frozen_kept = true, others_moved = true;
  for (int64_t row = 0; row < vocab_size; ++row) {
    const bool same =
        table[row].to_vector<float>() == pretrained_embeddings[row].to_vector<float>();
    const bool frozen = row < 5;
    frozen_kept = frozen_kept && (same || !frozen);
    others_moved = others_moved && (!same || frozen);
  }
  std::printf("frozen rows unchanged: %s; trainable rows moved: %s\n", frozen_kept ? "yes" : "NO",
              others_moved ? "yes" : "NO");
  return frozen_kept && others_moved ? 0 : 1;
}
