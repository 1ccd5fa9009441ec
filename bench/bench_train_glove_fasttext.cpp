// End-to-end runs of the fused fastText and GloVe trainers on a corpus file, timed, for the
// comparison with fastText 0.9.2 and Stanford GloVe (bench/RESULTS.md):
//
//   bench_train_glove_fasttext fasttext INPUT PREFIX [threads] [epochs]
//     vocabulary (min-count 5) -> corpus as ids -> FastTextTrainer (dim 100, ws 5, neg 5,
//     t 1e-4, minn 3, maxn 6, bucket 2M, lr 0.05) -> PREFIX.vec
//   bench_train_glove_fasttext glove INPUT PREFIX [threads] [epochs]
//     vocabulary (min-count 5) -> co-occurrences (window 10, shuffled) -> GloVeTrainer
//     (dim 100, x-max 10, eta 0.05, 15 epochs: the Stanford GloVe run) -> PREFIX.txt
//     (GloVe text, W + C)
//
//   bench_train_glove_fasttext eval VECTORS DATA_DIR [restrict_vocab]
//     analogy (questions-words, 30k most frequent words unless told, 3CosAdd) and WordSim353 rho of
//     a vector file; DATA_DIR holds questions-words.txt and wordsim353.tsv
//
// Prints the time of each stage and raw corpus words per second of training (fastText's
// words/sec, all threads), or records per second (GloVe). Not a Google Benchmark: one run.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <ember/data/cooccurrence.h>
#include <ember/data/encoded_corpus.h>
#include <ember/data/vectors.h>
#include <ember/data/vocab.h>
#include <ember/eval/evaluator.h>
#include <ember/models/fasttext.h>
#include <ember/models/glove.h>
#include <ember/tensor/parallel.h>

namespace {

using namespace ember;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void write(const std::string& path, const data::Vocabulary& vocab, const Tensor& vectors,
           data::VectorFormat format) {
  const Tensor c = vectors.contiguous();
  std::vector<float> values(c.data<float>(), c.data<float>() + c.numel());
  data::write_vectors(path, data::WordVectors::from_rows(vocab.words(), values, c.size(1)), format);
}

void progress_line(const models::TrainProgress& p) {
  std::fprintf(stderr, "\rProgress: %5.1f%%  rate/thread: %9.0f  lr: %8.6f  loss: %8.5f ",
               100.0 * p.fraction, p.words_per_sec_thread, p.lr, p.loss);
}

int run_fasttext(const std::string& input, const std::string& prefix, int64_t threads,
                 int64_t epochs) {
  auto start = Clock::now();
  data::VocabularyOptions vo;
  vo.min_count = 5;
  const data::Vocabulary vocab = data::Vocabulary::build(input, vo);
  const data::EncodedCorpus corpus = data::EncodedCorpus::encode(input, vocab);
  std::printf("fasttext: %lld words read, vocabulary %lld, %lld kept; %.2f s\n",
              (long long)corpus.raw_tokens, (long long)vocab.size(), (long long)corpus.num_ids(),
              since(start));
  models::FastTextOptions o;
  o.threads = threads;
  o.epochs = epochs;
  auto stage = Clock::now();
  models::FastTextTrainer trainer(vocab, o);
  std::printf("fasttext: tables [%lld, %lld] + [%lld, %lld] initialised in %.2f s\n",
              (long long)trainer.input().rows(), (long long)o.dim,
              (long long)trainer.output().rows(), (long long)o.dim, since(stage));
  stage = Clock::now();
  trainer.train(corpus, progress_line);
  const double seconds = since(stage);
  std::fprintf(stderr, "\n");
  std::printf(
      "fasttext: trained %lld words x %lld epochs in %.2f s = %.0f words/s (%lld "
      "threads)\n",
      (long long)corpus.raw_tokens, (long long)epochs, seconds,
      double(corpus.raw_tokens) * double(epochs) / seconds, (long long)threads);
  stage = Clock::now();
  write(prefix + ".vec", vocab, trainer.word_vectors(), data::VectorFormat::kVec);
  std::printf("fasttext: wrote %s.vec in %.2f s; %.2f s end to end\n", prefix.c_str(), since(stage),
              since(start));
  return 0;
}

int run_glove(const std::string& input, const std::string& prefix, int64_t threads,
              int64_t epochs) {
  auto start = Clock::now();
  data::VocabularyOptions vo;
  vo.min_count = 5;
  const data::Vocabulary vocab = data::Vocabulary::build(input, vo);
  std::printf("glove: vocabulary %lld words; %.2f s\n", (long long)vocab.size(), since(start));
  auto stage = Clock::now();
  data::CooccurrenceOptions co;
  co.window = 10;
  data::CooccurrenceBuilder builder(vocab, co);
  data::Cooccurrences records = builder.build(input);
  std::printf("glove: %lld co-occurrence records (%s, %lld chunks spilled) in %.2f s\n",
              (long long)records.size(), records.in_memory() ? "in memory" : "on disk",
              (long long)builder.spilled_chunks(), since(stage));
  stage = Clock::now();
  records.shuffle(1);
  std::printf("glove: shuffled in %.2f s\n", since(stage));
  models::GloVeOptions o;
  o.dim = 100;
  o.x_max = 10;
  o.epochs = epochs;
  o.threads = threads;
  stage = Clock::now();
  models::GloVeTrainer trainer(vocab.size(), o);
  trainer.train(records, progress_line);
  const double seconds = since(stage);
  std::fprintf(stderr, "\n");
  std::printf("glove: %lld records x %lld epochs in %.2f s = %.0f records/s (%lld threads)\n",
              (long long)records.size(), (long long)epochs, seconds,
              double(records.size()) * double(epochs) / seconds, (long long)threads);
  stage = Clock::now();
  write(prefix + ".txt", vocab, trainer.vectors(), data::VectorFormat::kGloVe);
  std::printf("glove: wrote %s.txt in %.2f s; %.2f s end to end\n", prefix.c_str(), since(stage),
              since(start));
  return 0;
}

// The quality numbers: questions-words over the 30k most frequent words (3CosAdd)
// and WordSim353 Spearman rho, as gensim scores them.
int run_eval(const std::string& vectors_path, const std::string& data_dir, int64_t restrict_vocab) {
  auto start = Clock::now();
  eval::Evaluator evaluator(data::read_vectors(vectors_path));
  eval::AnalogyOptions analogy;
  analogy.restrict_vocab = restrict_vocab;
  const eval::AnalogyResult a =
      evaluator.evaluate_analogies(data_dir + "/questions-words.txt", analogy);
  const eval::SimilarityResult s = evaluator.evaluate_similarity(data_dir + "/wordsim353.tsv");
  std::printf(
      "%s: analogy %.4f (%lld of %lld; semantic %.4f, syntactic %.4f), WordSim353 "
      "rho %.4f (%lld pairs); %.1f s\n",
      vectors_path.c_str(), a.total.accuracy(), (long long)a.total.correct,
      (long long)a.total.evaluated(), a.semantic.accuracy(), a.syntactic.accuracy(), s.spearman,
      (long long)s.pairs, since(start));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s {fasttext|glove} INPUT PREFIX [threads] [epochs]\n", argv[0]);
    return 2;
  }
  const std::string model = argv[1];
  const int64_t threads = argc > 4 ? std::atoll(argv[4]) : 2;
  try {
    if (model == "glove")
      return run_glove(argv[2], argv[3], threads, argc > 5 ? std::atoll(argv[5]) : 15);
    if (model == "eval") return run_eval(argv[2], argv[3], argc > 4 ? std::atoll(argv[4]) : 30000);
    if (model == "fasttext")
      return run_fasttext(argv[2], argv[3], threads, argc > 5 ? std::atoll(argv[5]) : 5);
    std::fprintf(stderr, "unknown model %s\n", model.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
