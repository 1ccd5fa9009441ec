// Hostile input, end to end: the `ember` program run on malformed files, options and file
// kinds. Each row of kCases is one case: the files to create, commands that must succeed
// first, the command line, the exit code, and the words its output must (and must not)
// contain. A row is one test (HostileInput.Case/<name>), run in a fresh directory; {dir} in a
// row's strings is that directory. To add a case, add a row.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "run_shell.h"

namespace {

namespace fs = std::filesystem;

// A file a case creates in its directory: a regular file with `content`, a directory, or a
// named pipe (no writer: a command that opens it for reading would wait forever).
struct File {
  enum Kind { kRegular, kDirectory, kFifo };
  std::string name;  // relative to the case's directory; parents are created
  std::string content;
  Kind kind = kRegular;
};

File directory(const std::string& name) { return {name, "", File::kDirectory}; }
File fifo(const std::string& name) { return {name, "", File::kFifo}; }

struct Case {
  std::string name;                      // the test's name: letters, digits and _
  std::vector<File> files;               // created first
  std::vector<std::string> setup;        // `ember ARGS` run next, each must exit 0
  std::string args;                      // `ember ARGS`, the case
  int exit_code;                         // the exit code it must give
  std::vector<std::string> words;        // its stdout + stderr must contain each
  std::vector<std::string> absent = {};  // ... and none of these
};

// ---- inputs the rows share -------------------------------------------------------------

// A corpus of a few words repeated: enough for every trainer to run an epoch in a moment.
std::string corpus() {
  std::string text;
  for (int i = 0; i < 60; ++i)
    text += "the cat sat on the mat\nthe dog ate the bone\na cat and a dog\n";
  return text;
}

// Labelled lines for `ember classify` (fastText's __label__ format).
std::string labelled() {
  std::string text;
  for (int i = 0; i < 20; ++i)
    text += "__label__pets the cat and the dog\n__label__food bread and cheese and wine\n";
  return text;
}

const std::string kVectors =
    "4 3\nthe 0.1 0.2 0.3\ncat 0.3 0.1 0.2\ndog 0.2 0.3 0.1\nmat 0.1 0.1 0.4\n";
// One value of the first word is nan: refused, unless --allow-non-finite (a heat-map then
// draws it grey).
const std::string kNanVectors = "3 2\nthe 0.1 nan\ncat 0.2 0.3\ndog 0.5 0.1\n";

// A file of tests/golden/fasttext_bin/ (small fastText models), its first `bytes` bytes.
std::string fasttext_model(const std::string& name, size_t bytes = std::string::npos) {
  std::ifstream in(std::string(EMBER_GOLDEN_DIR) + "/fasttext_bin/" + name, std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return all.substr(0, bytes);
}

const File kCorpus{"c.txt", corpus()};
const File kLabelled{"l.txt", labelled()};
const File kVec{"v.vec", kVectors};
const std::string kTrain = "train skipgram --input {dir}/c.txt --output {dir}/x --quiet ";
const std::string kTrainClassifier =
    "classify train --input {dir}/l.txt --output {dir}/m --epochs 1 --quiet";

// ---- the cases -------------------------------------------------------------------------

const std::vector<Case> kCases = {
    // Options out of range, negative, nan or inf: errors naming the option.
    {"lr_inf", {kCorpus}, {}, kTrain + "--lr inf", 1, {"--lr", "inf"}},
    {"lr_negative", {kCorpus}, {}, kTrain + "--lr -0.1", 1, {"--lr", "-0.1"}},
    {"min_lr_ratio_nan", {kCorpus}, {}, kTrain + "--min-lr-ratio nan", 1, {"--min-lr-ratio"}},
    {"dim_negative", {kCorpus}, {}, kTrain + "--dim -5", 1, {"--dim", "-5"}},
    {"dim_2_pow_62",
     {kCorpus},
     {},
     kTrain + "--dim 4611686018427387904",
     1,
     {"--dim", "at most 1048576"}},
    {"sample_negative", {kCorpus}, {}, kTrain + "--sample -1", 1, {"--sample", "-1"}},
    {"epochs_negative", {kCorpus}, {}, kTrain + "--epochs -3", 1, {"--epochs", "-3"}},
    {"window_negative", {kCorpus}, {}, kTrain + "--window -2", 1, {"--window", "-2"}},
    {"window_huge", {kCorpus}, {}, kTrain + "--window 1000000000000", 1, {"--window"}},
    {"negative_huge", {kCorpus}, {}, kTrain + "--negative 1000000000000", 1, {"--negative"}},
    {"minibatch_not_a_bool",
     {kCorpus},
     {},
     kTrain + "--minibatch=maybe",
     1,
     {"--minibatch", "maybe"}},
    {"sync_every_zero", {kCorpus}, {}, kTrain + "--sync-every 0", 1, {"--sync-every", "0"}},
    {"sync_hot_rows_negative",
     {kCorpus},
     {},
     kTrain + "--sync-hot-rows -5",
     1,
     {"--sync-hot-rows", "-5"}},
    {"cbow_window_huge",
     {kCorpus},
     {},
     "train cbow --input {dir}/c.txt --output {dir}/x --quiet --window 1000000000000",
     1,
     {"--window"}},
    {"threads_negative", {kCorpus}, {}, kTrain + "--threads -4", 1, {"--threads", "-4"}},

    // A learning rate so high that the loss is nan stops the run, writing no vectors.
    {"train_diverges",
     {kCorpus},
     {},
     kTrain + "--lr 1e10 --epochs 3 --threads 1 --min-count 1 --sample 0",
     1,
     {"training diverged: the loss is nan in epoch 1 of 3", "try a lower --lr"},
     {"wrote"}},
    {"fasttext_diverges",
     {kCorpus},
     {},
     "train fasttext --input {dir}/c.txt --output {dir}/x --quiet --lr 1e10 --epochs 2 "
     "--min-count 1 --bucket 1000 --threads 1 --sample 0",
     1,
     {"training diverged", "try a lower --lr"},
     {"wrote"}},

    // A run too short for any sampled loss: its tables are checked at each epoch's end.
    {"train_diverges_unsampled",
     {{"t.txt", "the cat sat\nthe dog sat\nthe cat ran\n"}},
     {},
     "train skipgram --input {dir}/t.txt --output {dir}/x --quiet --lr 1e30 --epochs 2 "
     "--threads 2 --min-count 1 --sample 0",
     1,
     {"training diverged", "'input' holds values that are not finite after epoch 1 of 2",
      "try a lower --lr", "No vectors were written"},
     {"wrote"}},

    {"device_index_too_large",
     {kCorpus},
     {},
     kTrain + "--device cuda:99999999999",
     1,
     {"--device", "'cuda:99999999999'"},
     {"stoi"}},

    // ember train: a library message that names the command is not prefixed twice.
    {"train_prefix_once",
     {kCorpus},
     {},
     kTrain + "--min-count 1000",
     1,
     {"ember train: no word of", "--min-count"},
     {"ember train: ember train"}},
    // A pipe as --input would be read twice (vocabulary, then training): refused, saying so.
    {"train_input_fifo",
     {fifo("pipe")},
     {},
     "train skipgram --input {dir}/pipe --output {dir}/x --quiet",
     1,
     {"--input", "not a regular file", "reads it twice"}},
    {"train_input_directory",
     {directory("d")},
     {},
     "train cbow --input {dir}/d --output {dir}/x --quiet",
     1,
     {"--input", "is a directory"}},
    // The output's directory is created before training, or the error comes first.
    {"train_output_under_a_file",
     {kCorpus, {"f", "a file"}},
     {},
     "train skipgram --input {dir}/c.txt --output {dir}/f/x --epochs 1",
     1,
     {"--output", "cannot create the directory"},
     {"trained"}},

    // ember plot: a nan value is refused unless allowed; then drawn grey on a heat-map, and
    // t-SNE and PCA name the word.
    {"plot_nan_refused",
     {{"h.vec", kNanVectors}},
     {},
     "plot {dir}/h.vec --heatmap --top 2 --out {dir}/h.svg",
     1,
     {"h.vec:2", "'nan'", "not a finite float", "--allow-non-finite"},
     {"wrote"}},
    {"plot_heatmap_nan",
     {{"h.vec", kNanVectors}},
     {},
     "plot {dir}/h.vec --heatmap --top 2 --out {dir}/h.svg --allow-non-finite",
     0,
     {"not finite", "'the'", "wrote"}},
    {"plot_tsne_nan",
     {{"h.vec", kNanVectors}},
     {},
     "plot {dir}/h.vec --top 3 --out {dir}/t.svg --allow-non-finite",
     1,
     {"'the'", "nan", "dimension 1"},
     {"point 0"}},
    {"plot_pca_nan",
     {{"h.vec", kNanVectors}},
     {},
     "plot {dir}/h.vec --top 3 --method pca --out {dir}/p.png --allow-non-finite",
     1,
     {"'the'", "nan"},
     {"point 0"}},

    // Vector files: sizes from the header checked before anything is allocated, values that
    // are not finite refused by line, bytes that are not text never printed, only regular
    // files opened.
    {"info_header_count_overflows",
     {{"d.vec", "4 4611686018427387904\na 1\nb 2\nc 3\nd 4\n"}},
     {},
     "info {dir}/d.vec --format w2v-text",
     1,
     {"d.vec"}},
    {"info_header_count_overflows_auto",
     {{"d.vec", "4 4611686018427387904\na 1\nb 2\nc 3\nd 4\n"}},
     {},
     "info {dir}/d.vec",
     1,
     {"d.vec"}},
    {"info_header_claims_a_billion",
     {{"b.bin", "1 1000000000\nword 0.1 0.2\n"}},
     {},
     "info {dir}/b.bin",
     1,
     {"b.bin"}},
    {"info_inf_value",
     {{"v.vec", "2 2\nthe 0.1 0.2\ncat inf 0.3\n"}},
     {},
     "info {dir}/v.vec",
     1,
     {"v.vec:3", "'inf'", "--allow-non-finite"}},
    {"info_value_beyond_float",
     {{"v.vec", "2 2\nthe 0.1 0.2\ncat 1e39 0.3\n"}},
     {},
     "info {dir}/v.vec",
     1,
     {"v.vec:3", "1e39"}},
    {"info_inf_allowed",
     {{"v.vec", "2 2\nthe 0.1 0.2\ncat inf 0.3\n"}},
     {},
     "info {dir}/v.vec --allow-non-finite",
     0,
     {"2"}},
    {"info_not_text",
     {{"x.bin", std::string("\x7f"
                            "ELF\x02\x01\x01\0\0\0\n\x01\x02",
                            13)}},
     {},
     "info {dir}/x.bin",
     1,
     {"cannot recognise the format", "\\x7f"},
     {"ELF\x02"}},
    {"info_byte_order_mark",
     {{"v.vec", "\xef\xbb\xbf" + kVectors}},
     {},
     "info {dir}/v.vec",
     0,
     {"4"}},
    {"info_fifo", {fifo("p.vec")}, {}, "info {dir}/p.vec", 1, {"p.vec", "FIFO"}},
    {"info_directory", {directory("d.vec")}, {}, "info {dir}/d.vec", 1, {"d.vec", "directory"}},

    // ember train --resume: the checkpoint's epochs, corpus and options must match.
    {"resume_with_another_corpus",
     {kCorpus, {"c2.txt", corpus() + "the bone and the mat\n"}},
     {kTrain + "--epochs 2"},
     "train skipgram --input {dir}/c2.txt --output {dir}/x --quiet --epochs 2 --resume",
     1,
     {"another corpus", "c2.txt"}},
    {"resume_with_other_options",
     {kCorpus},
     {kTrain + "--epochs 2"},
     kTrain + "--epochs 2 --window 3 --resume",
     1,
     {"window=5 in the checkpoint, window=3 now"}},
    // A checkpoint made with the corpus in memory resumes with it on disk: the same digest.
    {"resume_with_the_corpus_on_disk",
     {kCorpus},
     {kTrain + "--epochs 2"},
     kTrain + "--epochs 2 --resume --corpus-budget 1",
     0,
     {"Corpus ids in", "Resuming"},
     {"another corpus"}},

    // ember train --corpus-budget (corpora larger than memory) and its --ids-file.
    {"corpus_budget_zero",
     {kCorpus},
     {},
     kTrain + "--corpus-budget 0",
     1,
     {"--corpus-budget", "0"}},
    {"corpus_budget_huge",
     {kCorpus},
     {},
     kTrain + "--corpus-budget 99999999999",
     1,
     {"--corpus-budget", "99999999999"}},
    {"ids_file_without_budget",
     {kCorpus},
     {},
     kTrain + "--ids-file {dir}/ids",
     1,
     {"--ids-file", "--corpus-budget"}},
    {"ids_file_nowhere",
     {kCorpus},
     {},
     kTrain + "--corpus-budget 1 --ids-file {dir}/none/ids",
     1,
     {"{dir}/none/.ids.tmp", "No such file or directory"},
     {"wrote"}},
    {"corpus_budget_on_a_gpu",
     {kCorpus},
     {},
     kTrain + "--corpus-budget 1 --device cuda",
     1,
     {"corpus_budget", "trains on the CPU"}},

    // ember eval: test files that are no test files, malformed lines named, scores not finite.
    {"eval_analogies_directory",
     {kVec, directory("q")},
     {},
     "eval {dir}/v.vec --analogies {dir}/q",
     1,
     {"is a directory"},
     {"100.0%"}},
    {"eval_analogies_empty",
     {kVec, {"q.txt", ""}},
     {},
     "eval {dir}/v.vec --analogies {dir}/q.txt",
     1,
     {"q.txt", "no question"},
     {"100.0%"}},
    {"eval_analogies_no_valid_line",
     {kVec, {"q.txt", ": s\nthe cat\n"}},
     {},
     "eval {dir}/v.vec --analogies {dir}/q.txt",
     1,
     {"q.txt", "no question", "1 other lines are not 4 words"}},
    {"eval_analogies_invalid_lines_named",
     {kVec, {"q.txt", ": s\nthe cat dog mat\nthe cat\n\nthe cat dog mat the\n"}},
     {},
     "eval {dir}/v.vec --analogies {dir}/q.txt",
     0,
     {"3 lines of", "q.txt:3, ", "q.txt:4, ", "q.txt:5", "3 invalid lines"}},
    {"eval_similarity_directory",
     {kVec, directory("p")},
     {},
     "eval {dir}/v.vec --similarity {dir}/p",
     1,
     {"is a directory"}},
    {"eval_similarity_score_inf",
     {kVec, {"p.tsv", "the\tcat\t1\ncat\tdog\t1e999\n"}},
     {},
     "eval {dir}/v.vec --similarity {dir}/p.tsv",
     1,
     {"p.tsv:2", "1e999", "not a finite number"},
     {"nan"}},
    {"eval_similarity_score_nan",
     {kVec, {"p.tsv", "the\tcat\tnan\n"}},
     {},
     "eval {dir}/v.vec --similarity {dir}/p.tsv",
     1,
     {"p.tsv:1", "not a finite number"}},
    {"eval_similarity_invalid_lines_named",
     {kVec, {"p.tsv", "the\tcat\t1\nthe cat 2\ncat\tdog\t3\ndog\tmat\tmany\nmat\tthe\t4\n"}},
     {},
     "eval {dir}/v.vec --similarity {dir}/p.tsv",
     0,
     {"2 lines of", "p.tsv:2, ", "p.tsv:4"}},
    // Words compared uppercased as Python's str.upper() does (gensim): über is Über,
    // STRASSE is straße. Spearman 0.9 and Pearson 0.9623 are gensim 4.2's numbers.
    {"eval_unicode_upper",
     {{"u.vec",
       "7 2\n\xc3\x9c"
       "ber 1 0\n\xc3\xbc"
       "ber 0 1\nstra\xc3\x9f"
       "e 0.6 0.8\nx 1 0.1\ny 0.1 1\n"
       "\xc7\x86 0.3 0.9\n\xc7\x85 0.9 0.3\n"},
      {"p.tsv",
       "\xc3\xbc"
       "ber\tx\t9\n\xc3\xbc"
       "ber\ty\t1\nSTRASSE\tx\t5\n\xc7\x85\ty\t7\nstra\xc3\x9f"
       "e\ty\t8\n"}},
     {},
     "eval {dir}/u.vec --similarity {dir}/p.tsv",
     0,
     {"  0.9000   0.9623       5       0 "}},

    // ember classify: predict on a directory or an empty file; train's output location is
    // made (or refused) before training.
    {"classify_predict_directory",
     {kLabelled, directory("d")},
     {kTrainClassifier},
     "classify predict {dir}/m {dir}/d",
     1,
     {"is a directory"}},
    {"classify_predict_empty",
     {kLabelled, {"e.txt", ""}},
     {kTrainClassifier},
     "classify predict {dir}/m {dir}/e.txt",
     1,
     {"e.txt", "empty"}},
    {"classify_train_makes_output_directory",
     {kLabelled},
     {},
     "classify train --input {dir}/l.txt --output {dir}/new/sub/m --epochs 1 --quiet",
     0,
     {"wrote", "new/sub/m.safetensors"}},
    {"classify_train_output_under_a_file",
     {kLabelled, {"f", "a file"}},
     {},
     "classify train --input {dir}/l.txt --output {dir}/f/m --epochs 1",
     1,
     {"--output", "cannot create the directory"},
     {"Progress", "Trained"}},
    {"classify_train_diverges",
     {kLabelled},
     {},
     "classify train --input {dir}/l.txt --output {dir}/m --epochs 3 --lr 1e30 "
     "--embedding-lr 1e30 --quiet",
     1,
     {"diverged", "--lr"}},

    // ember generate: the same for the char LM.
    {"generate_train_makes_output_directory",
     {kCorpus},
     {},
     "generate train --input {dir}/c.txt --model {dir}/new/lm.safetensors --steps 2 "
     "--hidden 8 --embedding 4 --seq-length 8 --batch 2 --quiet",
     0,
     {"wrote", "new/lm.safetensors"}},
    {"generate_train_output_under_a_file",
     {kCorpus, {"f", "a file"}},
     {},
     "generate train --input {dir}/c.txt --model {dir}/f/lm.safetensors --steps 2 --quiet",
     1,
     {"--model", "cannot create the directory"},
     {"step"}},
    {"generate_train_output_is_a_directory",
     {kCorpus, directory("d")},
     {},
     "generate train --input {dir}/c.txt --model {dir}/d --steps 2 --quiet",
     1,
     {"--model", "is a directory"}},
    {"generate_train_diverges",
     {kCorpus},
     {},
     "generate train --input {dir}/c.txt --model {dir}/lm.safetensors --steps 20 --lr 1e38 "
     "--hidden 8 --embedding 4 --seq-length 8 --batch 2 --quiet",
     1,
     {"diverged", "--lr"}},
    // fastText .bin models: cut short, quantised, supervised.
    {"fasttext_bin_truncated",
     {{"m.bin", fasttext_model("skipgram.bin", 5000)}},
     {},
     "similar {dir}/m.bin the",
     1,
     {"m.bin: truncated fastText model", "at byte", "bytes left"}},
    {"fasttext_bin_truncated_print_vectors",
     {{"m.bin", fasttext_model("skipgram.bin", 50)}},
     {},
     "print-vectors {dir}/m.bin",
     1,
     {"m.bin: truncated fastText model: args.maxn at byte 48"}},
    {"fasttext_ftz_refused",
     {{"m.ftz", fasttext_model("supervised.ftz")}},
     {},
     "info {dir}/m.ftz",
     1,
     {"m.ftz: a quantised fastText model (.ftz", "dense models only"}},
    {"fasttext_bin_supervised_says_so",
     {{"s.bin", fasttext_model("supervised.bin")}},
     {},
     "info {dir}/s.bin",
     0,
     {"fastText supervised model", "2 labels", "ember reads its word vectors, not its classifier"}},
};

// ---- the runner ------------------------------------------------------------------------

using Result = ember::testing::ShellResult;
using ember::testing::run_shell;

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// This process's scratch root, removed when the tests end.
fs::path scratch_root() {
  return fs::temp_directory_path() / ("ember_test_hostile_" + std::to_string(getpid()));
}

class RemoveScratch : public ::testing::Environment {
  void TearDown() override { fs::remove_all(scratch_root()); }
};
const auto* const kRemoveScratch = ::testing::AddGlobalTestEnvironment(new RemoveScratch);

class HostileInput : public ::testing::TestWithParam<Case> {};

TEST_P(HostileInput, Case) {
  const Case& c = GetParam();
  const fs::path dir = scratch_root() / c.name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const File& f : c.files) {
    const fs::path path = dir / f.name;
    fs::create_directories(path.parent_path());
    if (f.kind == File::kDirectory) {
      fs::create_directories(path);
    } else if (f.kind == File::kFifo) {
      ASSERT_EQ(mkfifo(path.c_str(), 0600), 0) << path;
    } else {
      std::ofstream(path, std::ios::binary) << f.content;
    }
  }
  const auto command = [&](const std::string& args) {
    // `timeout` turns a hang into a failure (exit 124) instead of a stuck suite.
    return "timeout 120 " + std::string(EMBER_CLI_PATH) + " " +
           replace_all(args, "{dir}", dir.string()) + " </dev/null";
  };
  for (const std::string& setup : c.setup) {
    const Result run = run_shell(command(setup));
    ASSERT_EQ(run.status, 0) << "setup `ember " << setup << "` failed:\n" << run.output;
  }
  const Result run = run_shell(command(c.args));
  EXPECT_EQ(run.status, c.exit_code) << "ember " << c.args << ":\n" << run.output;
  for (const std::string& word : c.words)
    EXPECT_NE(run.output.find(replace_all(word, "{dir}", dir.string())), std::string::npos)
        << "no '" << word << "' in the output of ember " << c.args << ":\n"
        << run.output;
  for (const std::string& word : c.absent)
    EXPECT_EQ(run.output.find(replace_all(word, "{dir}", dir.string())), std::string::npos)
        << "'" << word << "' in the output of ember " << c.args << ":\n"
        << run.output;
}

INSTANTIATE_TEST_SUITE_P(, HostileInput, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

}  // namespace
