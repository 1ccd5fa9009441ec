// The `ember` program run as a user runs it: each subcommand on small bundled inputs, its
// files, what it prints, --resume, and the errors bad arguments get. The binary's path
// comes from CMake (EMBER_CLI_PATH).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <ember/data/vocab.h>
#include <ember/nn/serialize.h>

namespace {

namespace fs = std::filesystem;

struct Result {
  int status;
  std::string output;  // stdout and stderr together
};

// Runs `ember ARGS` through the shell with stderr folded into stdout.
Result run_ember(const std::string& args) {
  const std::string command = std::string(EMBER_CLI_PATH) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return {-1, "popen failed: " + command};
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// This process's scratch root (two checkouts' suites may run at once on one machine), removed
// when the tests end; scratch(name) is a fresh directory in it for one test's files.
fs::path scratch_root() {
  return fs::temp_directory_path() / ("ember_test_cli_" + std::to_string(getpid()));
}

fs::path scratch(const std::string& name) {
  const fs::path dir = scratch_root() / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

class RemoveScratch : public ::testing::Environment {
  void TearDown() override { fs::remove_all(scratch_root()); }
};
const auto* const kRemoveScratch = ::testing::AddGlobalTestEnvironment(new RemoveScratch);

const std::string kSample = std::string(EMBER_SOURCE_DIR) + "/corpus/sample.txt";
const std::string kSpam = std::string(EMBER_TEST_DATA_DIR) + "/spam_assassin_404.tsv";

TEST(Cli, HelpListsEveryCommand) {
  const Result run = run_ember("--help");
  EXPECT_EQ(run.status, 0) << run.output;
  for (const char* command :
       {"train", "similar", "analogy", "eval", "plot", "convert", "info", "classify", "generate"})
    EXPECT_NE(run.output.find(command), std::string::npos) << command << " missing:\n"
                                                           << run.output;
}

TEST(Cli, BadArgumentsSayWhatIsWrong) {
  Result run = run_ember("train skipgram --input " + kSample + " --output /tmp/x --dim ten");
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.output.find("--dim expects an integer, got 'ten'"), std::string::npos)
      << run.output;
  run = run_ember("train word2vec --input " + kSample + " --output /tmp/x");
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.output.find("skipgram, cbow, glove or fasttext"), std::string::npos) << run.output;
  run = run_ember("train cbow --input /no/such/file.txt --output /tmp/x");
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.output.find("/no/such/file.txt"), std::string::npos) << run.output;
  run = run_ember("frobnicate");
  EXPECT_NE(run.status, 0);
  // ember classify's choices name what they accept.
  const std::string classify = "classify train --input " + kSpam + " --output /tmp/x ";
  for (const auto& [args, message] : std::vector<std::pair<std::string, std::string>>{
           {"--model gru", "--model must be text, lstm or bilstm, got 'gru'"},
           {"--clip -1", "--clip must be at least 0, got -1"},
           {"--dropout 1", "--dropout in [0, 1)"}}) {
    run = run_ember(classify + args);
    EXPECT_NE(run.status, 0) << args;
    EXPECT_NE(run.output.find(message), std::string::npos) << args << ":\n" << run.output;
  }
}

// Every trainer writes .vec, .bin and a checkpoint; --resume after the last epoch trains
// nothing more and writes the same vectors again (1 thread: bit for bit).
TEST(Cli, EachTrainerWritesVectorsAndResumesFromItsCheckpoint) {
  const fs::path dir = scratch("train");
  for (const std::string model : {"skipgram", "cbow", "fasttext", "glove"}) {
    const std::string prefix = (dir / model).string();
    const std::string args =
        "train " + model + " --input " + kSample + " --output " + prefix +
        " --dim 20 --epochs 2 --min-count 3 --threads 1 --bucket 20000 --quiet";
    Result run = run_ember(args);
    ASSERT_EQ(run.status, 0) << model << ":\n" << run.output;
    EXPECT_NE(run.output.find("trained " + model), std::string::npos) << run.output;
    for (const char* suffix : {".vec", ".bin", ".ckpt.safetensors", ".vocab"})
      EXPECT_TRUE(fs::exists(prefix + suffix)) << prefix << suffix;
    const std::string first = read_file(prefix + ".vec");
    std::istringstream header(first);
    long long words = 0, dim = 0;
    header >> words >> dim;
    EXPECT_GT(words, 100) << model;
    EXPECT_EQ(dim, 20) << model;

    run = run_ember(args + " --resume");
    ASSERT_EQ(run.status, 0) << model << " --resume:\n" << run.output;
    EXPECT_EQ(read_file(prefix + ".vec"), first) << model << ": --resume changed the vectors";

    run = run_ember(args.substr(0, args.find(" --dim")) + " --dim 30 --epochs 2 --min-count 3 " +
                    "--threads 1 --bucket 20000 --quiet --resume");
    EXPECT_NE(run.status, 0) << model << ": --resume with other options must fail";
    EXPECT_NE(run.output.find("was made with options"), std::string::npos) << run.output;
  }
}

TEST(Cli, SimilarAndInfoReadTheTrainedVectors) {
  const fs::path dir = scratch("similar");
  const std::string prefix = (dir / "sg").string();
  ASSERT_EQ(run_ember("train skipgram --input " + kSample + " --output " + prefix +
                      " --dim 20 --epochs 1 --min-count 3 --threads 1 --quiet")
                .status,
            0);
  Result run = run_ember("info " + prefix + ".bin");
  EXPECT_EQ(run.status, 0) << run.output;
  run = run_ember("similar " + prefix + ".vec the");
  EXPECT_EQ(run.status, 0) << run.output;
  run = run_ember("similar " + prefix + ".vec qwertyuiopasdf");
  EXPECT_NE(run.output.find("qwertyuiopasdf"), std::string::npos) << run.output;
}

// The fixture is SpamAssassin e-mails (tests/data/README.md): trained on all of it, the
// classifier must label its own training lines well, and predict prints one label a line.
TEST(Cli, ClassifyTrainsTestsAndPredicts) {
  const fs::path dir = scratch("classify");
  const std::string prefix = (dir / "spam").string();
  Result run = run_ember("classify train --input " + kSpam + " --output " + prefix +
                         " --epochs 3 --threads 1 --quiet");
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_TRUE(fs::exists(prefix + ".safetensors"));
  run = run_ember("classify test " + prefix + " " + kSpam);
  ASSERT_EQ(run.status, 0) << run.output;
  const size_t at = run.output.find("accuracy\t");
  ASSERT_NE(at, std::string::npos) << run.output;
  EXPECT_GE(std::stod(run.output.substr(at + 9)), 0.95) << run.output;  // measured 0.99
  run = run_ember("classify predict " + prefix + " " + kSpam + " -k 2");
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("spam"), std::string::npos);
  EXPECT_NE(run.output.find("ham"), std::string::npos);
  run = run_ember("classify test " + (dir / "missing").string() + " " + kSpam);
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.output.find("missing"), std::string::npos) << run.output;
}

// The LSTM models (seeds 002 and 003) through the same commands, from pretrained vectors
// frozen throughout: the rows of the words the file has are saved exactly as the file holds
// them, the other words' rows trained; texts cut to --max-length in training and testing.
TEST(Cli, ClassifyLstmModelsKeepPretrainedRowsFrozen) {
  const fs::path dir = scratch("classify_lstm");
  const std::string vectors = (dir / "words.vec").string();
  std::vector<float> row(16);
  {
    std::ofstream out(vectors);
    out << "2 16\nthe";
    for (int j = 0; j < 16; ++j) out << " " << (row[size_t(j)] = float(j) / 8 - 1);
    out << "\nqqqzzz";  // not in the e-mails
    for (int j = 0; j < 16; ++j) out << " 1";
    out << "\n";
  }
  for (const char* model : {"lstm", "bilstm"}) {
    SCOPED_TRACE(model);
    const std::string prefix = (dir / model).string();
    Result run = run_ember("classify train --model " + std::string(model) + " --input " + kSpam +
                           " --output " + prefix + " --pretrained " + vectors +
                           " --freeze-epochs 1000 --epochs 5 --hidden 16 --max-length 48 "
                           "--threads 1 --quiet");
    ASSERT_EQ(run.status, 0) << run.output;
    EXPECT_NE(run.output.find("pretrained coverage: 1/"), std::string::npos) << run.output;
    run = run_ember("classify test " + prefix + " " + kSpam);
    ASSERT_EQ(run.status, 0) << run.output;
    const size_t at = run.output.find("accuracy\t");
    ASSERT_NE(at, std::string::npos) << run.output;
    EXPECT_GE(std::stod(run.output.substr(at + 9)), 0.95) << run.output;  // 1.00, 0.98
    run = run_ember("classify predict " + prefix + " " + kSpam);
    ASSERT_EQ(run.status, 0) << run.output;
    EXPECT_EQ(std::count(run.output.begin(), run.output.end(), '\n'), 404) << run.output;

    std::map<std::string, std::string> metadata;
    const std::map<std::string, ember::Tensor> state =
        ember::nn::load_safetensors(prefix + ".safetensors", &metadata);
    EXPECT_EQ(metadata["model"], std::string(model) == "lstm"
                                     ? "SentimentModel"
                                     : "SentimentClassifierWithPretrained");
    EXPECT_EQ(metadata["max_length"], "48");
    const ember::data::Vocabulary vocab = ember::data::Vocabulary::load(prefix + ".vocab");
    const std::vector<float> table = state.at("embedding.weight").to_vector<float>();
    const int64_t the = vocab.id("the");
    ASSERT_GE(the, 0);
    EXPECT_EQ(std::vector<float>(table.begin() + the * 16, table.begin() + (the + 1) * 16), row);
  }
  // Without the freeze the same row trains: the freeze is what kept it.
  const std::string prefix = (dir / "unfrozen").string();
  const Result run = run_ember("classify train --model lstm --input " + kSpam + " --output " +
                               prefix + " --pretrained " + vectors +
                               " --freeze-epochs 0 --epochs 1 --hidden 16 --max-length 48 "
                               "--threads 1 --quiet");
  ASSERT_EQ(run.status, 0) << run.output;
  const std::vector<float> table = ember::nn::load_safetensors(prefix + ".safetensors")
                                       .at("embedding.weight")
                                       .to_vector<float>();
  const int64_t the = ember::data::Vocabulary::load(prefix + ".vocab").id("the");
  EXPECT_NE(std::vector<float>(table.begin() + the * 16, table.begin() + (the + 1) * 16), row);
}

TEST(Cli, GenerateTrainsACharModelAndSamplesTheSameTextForASeed) {
  const fs::path dir = scratch("generate");
  const std::string model = (dir / "char.safetensors").string();
  Result run = run_ember("generate train --input " + kSample + " --model " + model +
                         " --hidden 32 --steps 20 --batch 8 --seq-length 32 --threads 1 --quiet");
  ASSERT_EQ(run.status, 0) << run.output;
  const std::string sample = "generate sample --model " + model +
                             " --prompt 'the ' --length 40 --temperature 0.8 --seed 7";
  const Result first = run_ember(sample), second = run_ember(sample);
  ASSERT_EQ(first.status, 0) << first.output;
  EXPECT_EQ(first.output, second.output);
  EXPECT_GE(first.output.size(), 40u);
}

}  // namespace
