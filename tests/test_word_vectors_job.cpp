// models::train_word_vectors (models/word_vectors_job.h), what `ember train` runs: the
// defaults table, the files a run writes, and --resume's check of the options.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <ember/data/encoded_corpus_file.h>
#include <ember/data/fasttext_bin.h>
#include <ember/data/vectors.h>
#include <ember/eval/evaluator.h>
#include <ember/models/word_vectors_job.h>
#include <ember/nn/serialize.h>

#include "neighbours.h"
#include "run_shell.h"
#include "testing.h"

namespace ember {
namespace {

namespace fs = std::filesystem;

TEST(WordVectorsJob, UnsetOptionsTakeTheModelsRowOfTheDefaults) {
  models::WordVectorsJobOptions o;
  o.input = "corpus.txt";
  o.output = "out/x";
  o.model = "glove";
  const models::WordVectorsJobOptions glove = o.resolved();
  EXPECT_EQ(*glove.dim, 50);
  EXPECT_EQ(*glove.window, 15);
  EXPECT_EQ(*glove.epochs, 25);
  o.model = "fasttext";
  o.dim = 32;
  const models::WordVectorsJobOptions fasttext = o.resolved();
  EXPECT_EQ(*fasttext.dim, 32);  // given: kept
  EXPECT_EQ(*fasttext.sample, 1e-4);
  o.model = "word2vec";
  EXPECT_EMBER_ERROR(o.resolved(), "got 'word2vec'");
}

TEST(WordVectorsJob, TrainsWritesVectorsAndResumesOnlyWithTheSameOptions) {
  const fs::path dir =
      fs::temp_directory_path() / ("ember_test_word_vectors_job_" + std::to_string(getpid()));
  fs::remove_all(dir);
  models::WordVectorsJobOptions o;
  o.model = "skipgram";
  o.input = std::string(EMBER_SOURCE_DIR) + "/corpus/sample.txt";
  o.output = (dir / "sub" / "sg").string();  // the directory is created
  o.dim = 16;
  o.epochs = 2;
  o.threads = 1;
  std::vector<std::string> notes;
  models::WordVectorsJobHooks hooks;
  hooks.note = [&](const std::string& line) { notes.push_back(line); };
  const models::WordVectorsJobResult result = models::train_word_vectors(o, hooks);
  EXPECT_EQ(result.epochs_trained, 2);
  EXPECT_GT(result.corpus_tokens, 200000);
  ASSERT_FALSE(notes.empty());
  EXPECT_NE(notes[0].find("Read "), std::string::npos) << notes[0];
  const data::WordVectors vectors = data::read_vectors(result.vec_path);
  EXPECT_EQ(vectors.dim, 16);
  EXPECT_GT(vectors.size(), 1000);
  for (const std::string& path : {result.bin_path, result.checkpoint_path, result.vocab_path})
    EXPECT_TRUE(fs::exists(path)) << path;

  // Resuming after the last epoch trains nothing more; other options are refused by name.
  o.resume = true;
  EXPECT_EQ(models::train_word_vectors(o).epochs_trained, 0);
  o.dim = 17;
  EXPECT_EMBER_ERROR(models::train_word_vectors(o), "dim=16");
  fs::remove_all(dir);
}

// --resume checks the checkpoint's epochs_done, its corpus and its options, and says what
// differs.
TEST(WordVectorsJob, ResumeChecksEpochsCorpusAndOptionsByName) {
  const fs::path dir =
      fs::temp_directory_path() / ("ember_test_word_vectors_resume_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto write = [&](const std::string& name, int lines) {
    std::ofstream out(dir / name);
    for (int i = 0; i < lines; ++i) out << "the cat sat on the mat and the dog ran\n";
    return (dir / name).string();
  };
  models::WordVectorsJobOptions o;
  o.model = "skipgram";
  o.input = write("a.txt", 50);
  o.output = (dir / "sg").string();
  o.dim = 8;
  o.epochs = 2;
  o.threads = 1;
  const models::WordVectorsJobResult result = models::train_word_vectors(o);
  std::map<std::string, std::string> good;
  const std::map<std::string, Tensor> state = nn::load_safetensors(result.checkpoint_path, &good);
  o.resume = true;
  for (const char* done : {"-3", "99", "two"}) {
    std::map<std::string, std::string> bad = good;
    bad["epochs_done"] = done;
    nn::save_safetensors(result.checkpoint_path, state, bad);
    EXPECT_EMBER_ERROR(models::train_word_vectors(o), result.checkpoint_path +
                                                          ": metadata \"epochs_done\" is '" + done +
                                                          "', not a whole number in [0, 2]");
  }
  nn::save_safetensors(result.checkpoint_path, state, good);
  models::WordVectorsJobOptions other = o;
  other.input = write("b.txt", 60);
  EXPECT_EMBER_ERROR(models::train_word_vectors(other), "was made from another corpus (fnv1a64=");
  EXPECT_EMBER_ERROR(models::train_word_vectors(other), ") than --input " + other.input);
  other = o;
  other.window = 3;
  EXPECT_EMBER_ERROR(models::train_word_vectors(other),
                     "was made with other options: window=5 in the checkpoint, window=3 now");
  // A checkpoint without a corpus digest resumes, saying that the corpus is not checked.
  std::map<std::string, std::string> old = good;
  old.erase("corpus");
  nn::save_safetensors(result.checkpoint_path, state, old);
  std::vector<std::string> notes;
  models::WordVectorsJobHooks hooks;
  hooks.note = [&](const std::string& line) { notes.push_back(line); };
  EXPECT_EQ(models::train_word_vectors(o, hooks).epochs_trained, 0);
  bool said = false;
  for (const std::string& note : notes)
    said |= note.find("records no corpus digest") != std::string::npos;
  EXPECT_TRUE(said);
  fs::remove_all(dir);
}

// The checkpoint's tensors are checked before a trainer takes them: values that are not
// finite, a wrong shape or dtype, a missing table, GloVe's squared-gradient sums below zero
// are errors naming the checkpoint and the tensor.
TEST(WordVectorsJob, ResumeRefusesTensorsThatDoNotFitTheTrainer) {
  const fs::path dir =
      fs::temp_directory_path() / ("ember_test_word_vectors_restore_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    std::ofstream out(dir / "c.txt");
    for (int i = 0; i < 50; ++i) out << "the cat sat on the mat and the dog ran\n";
  }
  for (const char* model : {"skipgram", "glove"}) {
    SCOPED_TRACE(model);
    models::WordVectorsJobOptions o;
    o.model = model;
    o.input = (dir / "c.txt").string();
    o.output = (dir / model).string();
    o.dim = 4;
    o.epochs = 1;
    o.threads = 1;
    const std::string ckpt = models::train_word_vectors(o).checkpoint_path;
    std::map<std::string, std::string> metadata;
    const std::map<std::string, Tensor> good = nn::load_safetensors(ckpt, &metadata);
    const std::string first = o.model == "glove" ? "word" : "input";
    const auto resume_with = [&](std::map<std::string, Tensor> state) {
      nn::save_safetensors(ckpt, state, metadata);
      models::WordVectorsJobOptions r = o;
      r.resume = true;
      return models::train_word_vectors(r);
    };
    EXPECT_EQ(resume_with(good).epochs_trained, 0);  // the checkpoint as written resumes

    std::map<std::string, Tensor> state = good;
    state[first] = good.at(first).clone();
    state[first].data<float>()[3] = std::nanf("");
    EXPECT_EMBER_ERROR(resume_with(state), ckpt + ": tensor '" + first +
                                               "' holds values that are not finite (nan or inf)");
    state[first] = good.at(first).narrow(0, 1, good.at(first).size(0) - 1).contiguous();
    EXPECT_EMBER_ERROR(resume_with(state), "ember train --resume: " + ckpt + ": ");
    EXPECT_EMBER_ERROR(resume_with(state), "'" + first + "'");
    state[first] = good.at(first).to(DType::kFloat64);
    EXPECT_EMBER_ERROR(resume_with(state), "float32");
    state = good;
    state.erase(first);
    EXPECT_EMBER_ERROR(resume_with(state), ckpt + ": ");
    EXPECT_EMBER_ERROR(resume_with(state), "no tensor '" + first + "'");
    if (o.model == "glove") {
      state = good;
      state["word"] = good.at("word").clone();
      // A row is [vector, gradsq, bias, bias gradsq, padding], the vector padded to S = 16
      // floats: row 0's bias gradsq is column 2 S + 1.
      state["word"].data<float>()[33] = -1;
      EXPECT_EMBER_ERROR(resume_with(state),
                         "'word' row 0 holds a negative sum of squared gradients");
    }
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ember

namespace ember {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The small fastText model of the tests that hand ember's PREFIX.bin to fastText: dim 10,
// n-grams 2 to 5 in 5000 buckets, words seen 20 times, one epoch, one thread.
models::WordVectorsJobOptions small_fasttext(const fs::path& dir) {
  models::WordVectorsJobOptions o;
  o.model = "fasttext";
  o.input = std::string(EMBER_SOURCE_DIR) + "/corpus/sample.txt";
  o.output = (dir / "ft").string();
  o.dim = 10;
  o.epochs = 1;
  o.min_count = 20;
  o.bucket = 5000;
  o.minn = 2;
  o.maxn = 5;
  o.threads = 1;
  return o;
}

bool have_fasttext() { return testing::run_shell("command -v fasttext").status == 0; }

// ember train fasttext writes PREFIX.bin in fastText's format: the options as fastText's
// Args, the vocabulary as its dictionary, both tables; its words' vectors (built from the
// model as fastText builds them, tests/test_fasttext_bin.cpp) are PREFIX.vec's to the bit,
// and written back it is the same file. Where Debian's `fasttext` is installed,
// `fasttext print-word-vectors` on it prints what `ember print-vectors` prints, OOV words
// included.
TEST(WordVectorsJob, FastTextWritesItsModelInFastTextsFormat) {
  const fs::path dir =
      fs::temp_directory_path() / ("ember_test_word_vectors_ftbin_" + std::to_string(getpid()));
  fs::remove_all(dir);
  const models::WordVectorsJobOptions o = small_fasttext(dir);
  const models::WordVectorsJobResult result = models::train_word_vectors(o);
  ASSERT_EQ(result.bin_path, o.output + ".bin");
  EXPECT_TRUE(data::is_fasttext_bin(result.bin_path));
  const data::FastTextBin model = data::read_fasttext_bin(result.bin_path);
  EXPECT_EQ(model.args.dim, 10);
  EXPECT_EQ(model.args.bucket, 5000);
  EXPECT_EQ(model.args.minn, 2);
  EXPECT_EQ(model.args.maxn, 5);
  EXPECT_EQ(model.args.min_count, 20);
  EXPECT_EQ(model.args.epoch, 1);
  EXPECT_EQ(model.args.model, data::FastTextArgs::kSkipgram);
  EXPECT_EQ(model.args.loss, data::FastTextArgs::kNs);
  EXPECT_EQ(model.nlabels, 0);
  EXPECT_EQ(model.input_rows, model.nwords + 5000);
  EXPECT_EQ(model.output_rows, model.nwords);

  const data::WordVectors vec = data::read_vectors(result.vec_path);
  const data::WordVectors from_model = model.word_vectors();
  ASSERT_EQ(from_model.words, vec.words);
  EXPECT_EQ(from_model.values, vec.values);

  const std::string back = (dir / "back.bin").string();
  data::write_fasttext_bin(back, model);
  EXPECT_TRUE(slurp(back) == slurp(result.bin_path));  // (EXPECT_EQ would print both files)

  if (!have_fasttext()) {
    fs::remove_all(dir);
    GTEST_SKIP() << "SKIPPED the check with fastText itself: no `fasttext` command "
                    "(apt-get install fasttext)";
  }
  const std::string words = (dir / "words.txt").string();
  std::ofstream(words) << "the government congress zzzqqq governmentally caf\xc3\xa9 "
                          "\xe6\x9d\xb1\xe4\xba\xac\n";
  const testing::ShellResult theirs =
      testing::run_shell("fasttext print-word-vectors " + result.bin_path + " < " + words);
  const testing::ShellResult ours =
      testing::run_shell("(" + std::string(EMBER_CLI_PATH) + " print-vectors " + result.bin_path +
                         " < " + words + " 2>/dev/null)");
  EXPECT_EQ(theirs.status, 0) << theirs.output;
  EXPECT_EQ(ours.status, 0) << ours.output;
  EXPECT_EQ(ours.output, theirs.output);
  fs::remove_all(dir);
}

// `fasttext nn MODEL K` on ember's PREFIX.bin (where Debian's fasttext is installed) lists
// ember's nearest neighbours, for vocabulary and OOV words (ASCII and not). fastText's getNN:
// the query's vector from getWordVector (an OOV word's is its n-grams' mean), its cosine with
// each dictionary word's vector (each normalised in float), the query word itself left out,
// the best K printed as "word score" with 6 significant digits after a "Query word? "
// prompt, ties in whatever order its heap leaves them. ember's answer: eval::Evaluator on
// the model's word vectors, most_similar for a vocabulary word, most_similar_to_vector of
// FastTextBin::word_vector for another; the lists agree up to ties within 2e-6 (the printed
// digits and float rounding), and `ember similar` on the .bin lists ember's words.
TEST(WordVectorsJob, FastTextNnOnEmbersModelListsEmbersNeighbours) {
  const fs::path dir =
      fs::temp_directory_path() / ("ember_test_word_vectors_ftnn_" + std::to_string(getpid()));
  fs::remove_all(dir);
  models::WordVectorsJobOptions o = small_fasttext(dir);
  o.epochs = 5;  // after one epoch every cosine is above 0.99 and most neighbours are near-ties
  const models::WordVectorsJobResult result = models::train_word_vectors(o);
  if (!have_fasttext()) {
    fs::remove_all(dir);
    GTEST_SKIP() << "SKIPPED: no `fasttext` command to run `fasttext nn` (apt-get install "
                    "fasttext)";
  }
  const data::FastTextBin model = data::read_fasttext_bin(result.bin_path);
  // Vocabulary words, then OOV ones: ASCII, and café and 東京 (in UTF-8).
  const std::vector<std::string> queries = {"government",
                                            "the",
                                            "congress",
                                            "zzzqqq",
                                            "governmentally",
                                            "caf\xc3\xa9",
                                            "\xe6\x9d\xb1\xe4\xba\xac"};
  const std::string words = (dir / "queries.txt").string();
  {
    std::ofstream out(words);
    for (const std::string& q : queries) out << q << "\n";
  }
  constexpr int64_t kTop = 8;
  testing::ShellResult theirs =
      testing::run_shell("(fasttext nn " + result.bin_path + " " + std::to_string(kTop) + " < " +
                         words + " 2>/dev/null)");
  ASSERT_EQ(theirs.status, 0) << theirs.output;
  // "Query word? " precedes each query's lines (and ends the output): taken out, K lines a query.
  const std::string prompt = "Query word? ";
  for (size_t at; (at = theirs.output.find(prompt)) != std::string::npos;)
    theirs.output.erase(at, prompt.size());
  std::vector<testing::ScoredWord> listed;
  std::istringstream lines(theirs.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    std::istringstream in(line);
    testing::ScoredWord w;
    ASSERT_TRUE(in >> w.word >> w.score) << line;
    listed.push_back(w);
  }
  ASSERT_EQ(listed.size(), queries.size() * size_t(kTop)) << theirs.output;

  const eval::Evaluator evaluator(model.word_vectors());
  int oov = 0;
  std::string similar_command = std::string(EMBER_CLI_PATH) + " similar " + result.bin_path +
                                " --top " + std::to_string(kTop);
  std::vector<std::string> expected_cli;
  for (size_t q = 0; q < queries.size(); ++q) {
    const std::string& query = queries[q];
    const std::vector<float> vector = model.word_vector(query);
    const bool known = model.find(query) >= 0;
    oov += known ? 0 : 1;
    const std::vector<eval::Neighbor> neighbours =
        known ? evaluator.most_similar(query, kTop)
              : evaluator.most_similar_to_vector(vector.data(), kTop);
    std::vector<testing::ScoredWord> ours;
    for (const eval::Neighbor& n : neighbours) ours.push_back({n.word, n.similarity});
    const std::vector<testing::ScoredWord> their_list(listed.begin() + int64_t(q) * kTop,
                                                      listed.begin() + int64_t(q + 1) * kTop);
    for (const testing::ScoredWord& w : their_list) EXPECT_NE(w.word, query);
    const auto score_of = [&](const std::string& w) {
      const float* row = evaluator.get_word_vector(w);
      EXPECT_NE(row, nullptr) << w;
      return row ? eval::Evaluator::cosine_similarity(vector.data(), row, model.dim()) : 2.0;
    };
    EXPECT_TRUE(testing::same_neighbours(their_list, ours, score_of, 2e-6)) << query;
    similar_command += " " + query;
    for (const eval::Neighbor& n : neighbours) expected_cli.push_back(n.word);
  }
  EXPECT_EQ(oov, 4);

  const testing::ShellResult cli = testing::run_shell("(" + similar_command + " 2>/dev/null)");
  ASSERT_EQ(cli.status, 0) << cli.output;
  std::vector<std::string> cli_words;  // the indented lines: "  word  0.1234"
  std::istringstream cli_lines(cli.output);
  for (std::string line; std::getline(cli_lines, line);)
    if (line.rfind("  ", 0) == 0) cli_words.push_back(line.substr(2, line.find(' ', 2) - 2));
  EXPECT_EQ(cli_words, expected_cli) << cli.output;
  fs::remove_all(dir);
}

// The job: the same vectors and checkpoint digest streamed or not, a checkpoint made in memory
// resumes streamed, the temporary directory goes and --ids-file's file stays.
TEST(WordVectorsJob, StreamsTheCorpusWithTheSameVectorsDigestAndResume) {
  const fs::path dir =
      fs::temp_directory_path() / ("ember_test_word_vectors_stream_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto in_dir = [&](const std::string& name) { return (dir / name).string(); };
  models::WordVectorsJobOptions o;
  o.model = "skipgram";
  o.input = std::string(EMBER_SOURCE_DIR) + "/corpus/sample.txt";
  o.dim = 16;
  o.epochs = 2;
  o.threads = 1;
  o.output = in_dir("memory");
  const models::WordVectorsJobResult memory = models::train_word_vectors(o);
  o.output = in_dir("streamed");
  o.corpus_budget = 8192;
  std::vector<std::string> notes;
  models::WordVectorsJobHooks hooks;
  hooks.note = [&](const std::string& line) { notes.push_back(line); };
  const models::WordVectorsJobResult streamed = models::train_word_vectors(o, hooks);
  EXPECT_EQ(streamed.corpus_tokens, memory.corpus_tokens);
  EXPECT_EQ(streamed.units, memory.units);
  EXPECT_EQ(slurp(streamed.vec_path), slurp(memory.vec_path));
  std::map<std::string, std::string> a, b;
  nn::load_safetensors(memory.checkpoint_path, &a);
  const std::map<std::string, Tensor> state = nn::load_safetensors(streamed.checkpoint_path, &b);
  EXPECT_EQ(a["corpus"], b["corpus"]);
  EXPECT_EQ(a["options"], b["options"]);
  bool said = false;
  for (const std::string& note : notes) said |= note.find("Corpus ids in ") != std::string::npos;
  EXPECT_TRUE(said);
  for (const auto& entry : fs::directory_iterator(dir))  // no .streamed.corpus-XXXXXX
    EXPECT_EQ(entry.path().filename().string().find(".streamed.corpus-"), std::string::npos)
        << entry.path();

  // The in-memory checkpoint, as if after epoch 1: resumed from memory and streamed, the same.
  std::map<std::string, std::string> after_one = a;
  after_one["epochs_done"] = "1";
  o.resume = true;
  std::vector<std::string> vectors;
  for (const int64_t budget : {int64_t(0), int64_t(8192)}) {
    nn::save_safetensors(in_dir("resumed.ckpt.safetensors"),
                         nn::load_safetensors(memory.checkpoint_path), after_one);
    fs::copy_file(memory.vocab_path, in_dir("resumed.vocab"), fs::copy_options::overwrite_existing);
    o.output = in_dir("resumed");
    o.corpus_budget = budget;
    EXPECT_EQ(models::train_word_vectors(o).epochs_trained, 1);
    vectors.push_back(slurp(in_dir("resumed.vec")));
  }
  EXPECT_EQ(vectors[0], vectors[1]);
  EXPECT_NE(vectors[0], slurp(memory.vec_path));

  // --ids-file: written there and kept.
  o.resume = false;
  o.output = in_dir("kept");
  o.ids_file = in_dir("kept.ids");
  models::train_word_vectors(o);
  const data::EncodedCorpusFile kept(o.ids_file);
  EXPECT_EQ(kept.raw_tokens(), memory.corpus_tokens);
  o.corpus_budget = 0;
  EXPECT_EMBER_ERROR(o.resolved(), "ids_file (" + o.ids_file + ") is the file of a corpus_budget");
  o.corpus_budget = -1;
  EXPECT_EMBER_ERROR(o.resolved(), "corpus_budget must be at least 0, got -1");
  o.corpus_budget = 8192;
  o.ids_file = in_dir("no/such/dir/ids");
  EXPECT_EMBER_ERROR(models::train_word_vectors(o), in_dir("no/such/dir/.ids.tmp"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ember
