// Corpora larger than memory: the encoded id file (data/encoded_corpus_file.h) holds what
// EncodedCorpus holds, data::SentenceChunks reads it within a budget, and the trainers trained
// from it give the tables of the in-memory corpus to the bit; damaged files, unwritable places
// and budgets too small are errors that name them. The job's streaming: test_word_vectors_job.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <ember/data/encoded_corpus.h>
#include <ember/data/encoded_corpus_file.h>
#include <ember/data/sentence_chunks.h>
#include <ember/data/vocab.h>
#include <ember/models/fasttext_trainer.h>
#include <ember/models/word2vec_trainer.h>

#include "testing.h"

namespace ember {
namespace {

namespace fs = std::filesystem;

const std::string kCorpus = std::string(EMBER_SOURCE_DIR) + "/corpus/sample.txt";

// A fresh directory for one test, removed with what it holds when the test ends.
struct Scratch {
  fs::path dir;
  explicit Scratch(const std::string& name)
      : dir(fs::temp_directory_path() /
            ("ember_test_stream_" + name + "_" + std::to_string(getpid()))) {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~Scratch() { fs::remove_all(dir); }
  std::string operator/(const std::string& name) const { return (dir / name).string(); }
};

data::Vocabulary sample_vocab() {
  data::VocabularyOptions vo;
  vo.min_count = 5;
  return data::Vocabulary::build(kCorpus, vo);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void spill(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

TEST(EncodedCorpusFile, HoldsWhatEncodedCorpusHolds) {
  Scratch scratch("holds");
  const data::Vocabulary vocab = sample_vocab();
  for (const int64_t max_sentence : {int64_t(10000), int64_t(7)}) {
    const data::EncodedCorpus memory = data::EncodedCorpus::encode(kCorpus, vocab, max_sentence);
    const data::EncodedCorpusFile file =
        data::EncodedCorpusFile::encode(kCorpus, vocab, scratch / "ids", max_sentence);
    ASSERT_EQ(file.num_ids(), memory.num_ids());
    ASSERT_EQ(file.num_sentences(), memory.num_sentences());
    EXPECT_EQ(file.raw_tokens(), memory.raw_tokens);
    EXPECT_EQ(file.vocab_size(), vocab.size());
    int64_t longest = 0;
    for (int64_t s = 0; s < memory.num_sentences(); ++s)
      longest = std::max(longest,
                         memory.sentence_starts[size_t(s + 1)] - memory.sentence_starts[size_t(s)]);
    EXPECT_EQ(file.longest_sentence(), longest);
    std::vector<int32_t> ids(size_t(file.num_ids()));
    file.read_ids(0, file.num_ids(), ids.data());
    EXPECT_EQ(ids, memory.ids);
    std::vector<int64_t> starts(size_t(file.num_sentences() + 1));
    file.read_starts(0, file.num_sentences() + 1, starts.data());
    EXPECT_EQ(starts, memory.sentence_starts);
    for (const int64_t parts : {1, 2, 3, 7, 64}) EXPECT_EQ(file.split(parts), memory.split(parts));
    // Only the file itself is left in the directory: no temporary files.
    EXPECT_EQ(std::distance(fs::directory_iterator(scratch.dir), fs::directory_iterator()), 1);
  }
}

TEST(SentenceChunks, ReadTheSentencesOfTheCorpusWithinTheirBudget) {
  Scratch scratch("chunks");
  const data::Vocabulary vocab = sample_vocab();
  const data::EncodedCorpus memory = data::EncodedCorpus::encode(kCorpus, vocab);
  const data::EncodedCorpusFile file =
      data::EncodedCorpusFile::encode(kCorpus, vocab, scratch / "ids");
  const int64_t budget = 3000, begin = 17, end = memory.num_sentences() - 5;
  ASSERT_GE(budget, data::SentenceChunks::min_bytes(file));
  const data::SentenceSource source(file, budget);
  int64_t chunks = 0, next = begin;
  {
    data::SentenceChunks reader(source, begin, end, budget);
    EXPECT_LE(reader.buffer_bytes(), budget);
    while (reader.next()) {
      ++chunks;
      ASSERT_EQ(reader.first_sentence(), next);
      for (int64_t c = 0; c <= reader.size(); ++c)
        ASSERT_EQ(reader.starts()[c], memory.sentence_starts[size_t(next + c)]);
      const int64_t first = reader.starts()[0], n = reader.starts()[reader.size()] - first;
      for (int64_t i = 0; i < n; ++i)
        ASSERT_EQ(reader.ids()[i], memory.ids[size_t(first + i)]) << "position " << first + i;
      next += reader.size();
    }
  }
  EXPECT_EQ(next, end);
  EXPECT_GT(chunks, 100);  // 900 KB of ids through 3 KB
  EXPECT_GT(file.peak_buffer_bytes(), 0);
  EXPECT_LE(file.peak_buffer_bytes(), budget);
  EXPECT_EMBER_ERROR(data::SentenceChunks(source, 0, 10, data::SentenceChunks::min_bytes(file) - 1),
                     "less than the longest sentence");
}

// Trains skip-gram (window minibatches or pairs), CBOW or fastText on sample.txt with one
// thread, from memory or from a file read through `budget` bytes; returns the input table.
struct Trainer {
  std::string model;
  bool minibatch = true;
  models::SentenceDraws draws = models::SentenceDraws::kLcg;
};

// Options and trainer of either kind, trained on one of the two corpora.
template <typename Options, typename TrainerOf>
std::vector<float> train_with(Options o, const Trainer& run, const data::Vocabulary& vocab,
                              const data::EncodedCorpus* memory,
                              const data::EncodedCorpusFile* file, int64_t budget,
                              int64_t threads) {
  o.dim = 16;
  o.epochs = 2;
  o.threads = threads;
  o.minibatch = run.minibatch;
  o.draws = run.draws;
  o.corpus_budget = budget;
  TrainerOf trainer(vocab, o);
  memory ? trainer.train(*memory) : trainer.train(*file);
  return trainer.input().to_tensor().template to_vector<float>();
}

std::vector<float> train(const Trainer& run, const data::Vocabulary& vocab,
                         const data::EncodedCorpus* memory, const data::EncodedCorpusFile* file,
                         int64_t budget, int64_t threads = 1) {
  if (run.model == "fasttext") {
    models::FastTextOptions o;
    o.subwords.bucket = 5000;
    return train_with<models::FastTextOptions, models::FastTextTrainer>(o, run, vocab, memory, file,
                                                                        budget, threads);
  }
  models::Word2VecOptions o;
  o.cbow = run.model == "cbow";
  return train_with<models::Word2VecOptions, models::Word2VecTrainer>(o, run, vocab, memory, file,
                                                                      budget, threads);
}

// The acceptance test: 4 KB of buffers for 0.9 MB of ids, and the same tables to the bit.
TEST(CorpusStream, TrainersGiveTheInMemoryTablesToTheBitWithinABudgetFarBelowTheCorpus) {
  Scratch scratch("trainers");
  const data::Vocabulary vocab = sample_vocab();
  const data::EncodedCorpus memory = data::EncodedCorpus::encode(kCorpus, vocab);
  const int64_t budget = 4096;
  for (const Trainer& run :
       {Trainer{"skipgram"}, Trainer{"skipgram", false}, Trainer{"cbow"}, Trainer{"fasttext"},
        Trainer{"fasttext", false}, Trainer{"cbow", true, models::SentenceDraws::kPhilox}}) {
    SCOPED_TRACE(run.model + (run.minibatch ? "" : " (pairs)"));
    const data::EncodedCorpusFile file =
        data::EncodedCorpusFile::encode(kCorpus, vocab, scratch / "ids");
    ASSERT_GT(4 * file.num_ids(), 200 * budget);
    const std::vector<float> in_memory = train(run, vocab, &memory, nullptr, budget);
    const std::vector<float> streamed = train(run, vocab, nullptr, &file, budget);
    EXPECT_TRUE(in_memory == streamed);
    EXPECT_GT(file.peak_buffer_bytes(), 0);
    EXPECT_LE(file.peak_buffer_bytes(), budget);
  }
}

// Two threads share the budget (Hogwild: their tables differ in the last bits run to run).
TEST(CorpusStream, ThreadsShareTheBudget) {
  Scratch scratch("threads");
  const data::Vocabulary vocab = sample_vocab();
  const data::EncodedCorpusFile file =
      data::EncodedCorpusFile::encode(kCorpus, vocab, scratch / "ids");
  const int64_t budget = 6000;
  const std::vector<float> table = train(Trainer{"skipgram"}, vocab, nullptr, &file, budget, 2);
  EXPECT_EQ(table.size(), size_t(vocab.size() * 16));
  EXPECT_GT(file.peak_buffer_bytes(), 0);
  EXPECT_LE(file.peak_buffer_bytes(), budget);
  EXPECT_EMBER_ERROR(train(Trainer{"skipgram"}, vocab, nullptr, &file, 1000, 2),
                     "word2vec: a corpus_budget of 1000 bytes gives each of 2 threads 500 bytes, "
                     "less than the longest sentence of");
}

TEST(EncodedCorpusFile, DamagedFilesAndUnwritablePlacesAreErrorsThatNameThem) {
  Scratch scratch("damaged");
  const data::Vocabulary vocab = sample_vocab();
  const std::string path = scratch / "ids";
  data::EncodedCorpusFile::encode(kCorpus, vocab, path);
  const std::string good = slurp(path);

  // Truncated: the header's sizes do not match the file's.
  const std::string cut = scratch / "cut";
  spill(cut, good.substr(0, good.size() - 3));
  EXPECT_EMBER_ERROR(data::EncodedCorpusFile{cut}, cut + " has ");
  EXPECT_EMBER_ERROR(data::EncodedCorpusFile{cut}, "(truncated, or not written whole)");
  spill(cut, good.substr(0, 20));
  EXPECT_EMBER_ERROR(data::EncodedCorpusFile{cut}, "fewer than the 64-byte header");
  // Not one of ours, or a header whose counts overflow.
  spill(cut, std::string(200, 'x'));
  EXPECT_EMBER_ERROR(data::EncodedCorpusFile{cut}, "is not an encoded corpus");
  std::string huge = good;
  const int64_t ids = int64_t(1) << 62;
  huge.replace(24, 8, reinterpret_cast<const char*>(&ids), 8);  // N
  huge.replace(40, 8, reinterpret_cast<const char*>(&ids), 8);  // raw tokens
  spill(cut, huge);
  EXPECT_EMBER_ERROR(data::EncodedCorpusFile{cut}, "4611686018427387904 ids and ");
  EXPECT_EMBER_ERROR(data::EncodedCorpusFile{cut}, "take more bytes than a file can hold");
  // An id outside the vocabulary, or starts that go back: errors when they are read.
  std::string bad_id = good;
  const int32_t big = int32_t(vocab.size());
  bad_id.replace(64 + 4 * 1000, 4, reinterpret_cast<const char*>(&big), 4);
  spill(cut, bad_id);
  {
    const data::EncodedCorpusFile file(cut);
    std::vector<int32_t> out(size_t(file.num_ids()));
    EXPECT_EMBER_ERROR(file.read_ids(0, file.num_ids(), out.data()),
                       "id " + std::to_string(big) + " at position 1000 is outside its vocabulary");
  }
  std::string bad_start = good;
  const data::EncodedCorpusFile file(path);
  const int64_t back = 1;
  bad_start.replace(64 + 4 * file.num_ids() + 8 * 50, 8, reinterpret_cast<const char*>(&back), 8);
  spill(cut, bad_start);
  {
    const data::EncodedCorpusFile damaged(cut);
    std::vector<int64_t> out(100);
    EXPECT_EMBER_ERROR(damaged.read_starts(0, 100, out.data()), "sentence 50 starts at 1");
  }
  // Nowhere to write: the error names the place, and nothing is left behind.
  EXPECT_EMBER_ERROR(data::EncodedCorpusFile::encode(kCorpus, vocab, scratch / "no/such/dir/ids"),
                     scratch / "no/such/dir/.ids.tmp");
  EXPECT_EMBER_ERROR(data::EncodedCorpusFile::encode(kCorpus, vocab, scratch / "ids", 10001),
                     "max_sentence must be in 1..10000, got 10001");
  EXPECT_EMBER_ERROR(data::EncodedCorpusFile{scratch / "missing"},
                     "cannot open " + scratch / "missing");
}

}  // namespace
}  // namespace ember
