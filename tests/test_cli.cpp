// The `ember` program run as a user runs it: each subcommand on small bundled inputs, its
// files, what it prints, --resume, and the errors bad arguments get. The binary's path
// comes from CMake (EMBER_CLI_PATH).
#include <gtest/gtest.h>

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

#include "run_shell.h"

namespace {

namespace fs = std::filesystem;

using Result = ember::testing::ShellResult;
using ember::testing::run_shell;

// Runs `ember ARGS`.
Result run_ember(const std::string& args) {
  return run_shell(std::string(EMBER_CLI_PATH) + " " + args);
}

// Each `ember PREFIX ARGS` of the table fails, saying its message.
void expect_errors(const std::string& prefix,
                   const std::vector<std::pair<std::string, std::string>>& args_and_messages) {
  for (const auto& [args, message] : args_and_messages) {
    const Result run = run_ember(prefix + args);
    EXPECT_NE(run.status, 0) << args;
    EXPECT_NE(run.output.find(message), std::string::npos) << args << ":\n" << run.output;
  }
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
  EXPECT_NE(run.output.find("--dim: expects an integer, got 'ten'"), std::string::npos)
      << run.output;
  run = run_ember("train word2vec --input " + kSample + " --output /tmp/x");
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.output.find("skipgram, cbow, glove or fasttext"), std::string::npos) << run.output;
  run = run_ember("train cbow --input /no/such/file.txt --output /tmp/x");
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.output.find("/no/such/file.txt"), std::string::npos) << run.output;
  run = run_ember("frobnicate");
  EXPECT_NE(run.status, 0);
  // Numbers out of their range are refused, the error naming the option and the value.
  expect_errors("train skipgram --input " + kSample + " --output /tmp/x ",
                {{"--dim 0", "--dim: must be at least 1, got 0"},
                 {"--dim -5", "--dim: must be at least 1, got -5"},
                 {"--epochs 0", "--epochs: must be at least 1, got 0"},
                 {"--window 0", "--window: must be in [1, 1000000], got 0"},
                 {"--window 2000000", "--window: must be in [1, 1000000], got 2000000"},
                 {"--negative -1", "--negative: must be in [1, 1000000], got -1"},
                 {"--negative 10000000", "--negative: must be in [1, 1000000], got 10000000"},
                 {"--threads -2", "--threads: must be at least 0, got -2"},
                 {"--lr 0", "--lr: must be a positive number, got 0"},
                 {"--lr nan", "--lr: must be a positive number, got nan"},
                 {"--lr inf", "--lr: must be a positive number, got inf"},
                 {"--min-lr-ratio nan", "--min-lr-ratio: must be in [0, 1], got nan"},
                 {"--sample -0.1", "--sample: must be at least 0, got -0.1"},
                 {"--device gpu", "--device: must be cpu, cuda or cuda:N, got 'gpu'"},
                 {"--frobnicate 1", "--frobnicate"}});
  expect_errors("demo --input " + kSample + " --output /tmp/x ",
                {{"--dim 0", "--dim: must be at least 1, got 0"},
                 {"--lr -1", "--lr: must be a positive number, got -1"}});
  expect_errors("generate train --input " + kSample + " --model /tmp/x.safetensors ",
                {{"--hidden 0", "--hidden: must be at least 1, got 0"},
                 {"--lr nan", "--lr: must be a positive number, got nan"}});
  expect_errors("similar " + kSample + " --top ", {{"-1", "--top: must be at least 0, got -1"}});
  // ember classify's choices name what they accept.
  expect_errors("classify train --input " + kSpam + " --output /tmp/x ",
                {{"--model gru", "--model: must be text, lstm or bilstm, got 'gru'"},
                 {"--clip -1", "--clip: must be at least 0, got -1"},
                 {"--dropout 1", "--dropout: must be in [0, 1), got 1"},
                 {"--word-dropout 1.5", "--word-dropout: must be in [0, 1), got 1.5"},
                 {"--keep middle", "--keep: must be first or last, got 'middle'"}});
}

// `ember version` names the pool the kernels run on: its threads, and how long an idle one
// spins before it sleeps.
TEST(Cli, VersionShowsTheThreadPool) {
  const std::string version = std::string(EMBER_CLI_PATH) + " version";
  for (const auto& [set, shown] : std::vector<std::pair<std::string, std::string>>{
           {"env -u EMBER_SPIN_US OMP_NUM_THREADS=3 ",
            "threads: 3 (ember's pool: spins 50 us, then sleeps)\n"},
           {"env EMBER_SPIN_US=7 OMP_NUM_THREADS=1 ",
            "threads: 1 (ember's pool: spins 7 us, then sleeps)\n"}}) {
    const Result run = run_shell(set + version);
    EXPECT_EQ(run.status, 0) << set;
    EXPECT_NE(run.output.find(shown), std::string::npos) << set << ":\n" << run.output;
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
    EXPECT_NE(run.output.find("was made with other options: dim=20 in the checkpoint, dim=30 now"),
              std::string::npos)
        << run.output;
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

// ember plot on a small .vec file: a t-SNE scatter (SVG, the same picture for the same
// seed), PCA to PNG with a missing word reported, a heat-map, groups with a legend, and the
// errors bad options get.
TEST(Cli, PlotDrawsScatterPlotsAndHeatmaps) {
  const fs::path dir = scratch("plot");
  const std::string vectors = (dir / "words.vec").string();
  {
    std::ofstream out(vectors);
    out << "30 8\n";
    for (int w = 0; w < 30; ++w) {
      out << "word" << w;
      for (int j = 0; j < 8; ++j) out << " " << std::sin(0.7 * w * (j + 1) + j);
      out << "\n";
    }
  }
  const std::string plot = "plot " + vectors + " ";
  auto png = [](const fs::path& path) {
    return read_file(path).rfind("\x89PNG\r\n\x1a\n", 0) == 0;
  };

  Result run = run_ember(plot + "--top 20 --seed 3 --out " + (dir / "a.svg").string());
  ASSERT_EQ(run.status, 0) << run.output;
  const std::string svg = read_file(dir / "a.svg");
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find(">word7<"), std::string::npos) << "labels are drawn";
  run = run_ember(plot + "--top 20 --seed 3 --out " + (dir / "b.svg").string());
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(read_file(dir / "b.svg"), svg) << "the same seed draws the same picture";

  run = run_ember(plot + "--method pca --words word1,word2,word3,nosuchword --out " +
                  (dir / "p.png").string());
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("1 word(s) not in"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("nosuchword"), std::string::npos) << run.output;
  EXPECT_TRUE(png(dir / "p.png"));

  run = run_ember(plot + "--heatmap --top 10 --out " + (dir / "h.png").string());
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("heat-map of 10 words x 8 dimensions"), std::string::npos)
      << run.output;
  EXPECT_TRUE(png(dir / "h.png"));

  const std::string groups = (dir / "groups.txt").string();
  std::ofstream(groups) << ": odd ones\nword1 word3 word5\n: even ones\nword2 word4 WORD6\n";
  run = run_ember(plot + "--groups " + groups + " --method pca --out " + (dir / "g.svg").string());
  ASSERT_EQ(run.status, 0) << run.output;
  const std::string legend = read_file(dir / "g.svg");
  EXPECT_NE(legend.find("odd ones"), std::string::npos);
  EXPECT_NE(legend.find("even ones"), std::string::npos);

  expect_errors(plot,
                {{"--top ten --out x.svg", "--top: expects an integer, got 'ten'"},
                 {"--top 5 --out x.jpg", ".svg or .png"},
                 {"--top 5 --method umap --out x.svg", "--method: must be tsne or pca, got 'umap'"},
                 {"--words word1 --out x.svg", "need at least 2 words"}});
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
  EXPECT_GE(std::stod(run.output.substr(at + 9)), 0.95) << run.output;  // typically 0.99
  run = run_ember("classify predict " + prefix + " " + kSpam + " -k 2");
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("spam"), std::string::npos);
  EXPECT_NE(run.output.find("ham"), std::string::npos);
  run = run_ember("classify test " + (dir / "missing").string() + " " + kSpam);
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.output.find("missing"), std::string::npos) << run.output;
}

// --valid prints the accuracy on a held-out file after each epoch and draws no random
// numbers: the model is byte for byte the one trained without it.
TEST(Cli, ClassifyValidReportsEachEpochAndChangesNothing) {
  const fs::path dir = scratch("classify_valid");
  const std::string train = "classify train --model lstm --hidden 16 --max-length 48 --input " +
                            kSpam + " --epochs 2 --threads 1 --quiet --output ";
  Result run = run_ember(train + (dir / "plain").string());
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(run.output.find("epoch 1"), std::string::npos) << run.output;
  run = run_ember(train + (dir / "valid").string() + " --valid " + kSpam);
  ASSERT_EQ(run.status, 0) << run.output;
  for (const char* epoch : {"epoch 1: accuracy 0.", "epoch 2: accuracy 0."})
    EXPECT_NE(run.output.find(epoch), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("(404 examples)"), std::string::npos) << run.output;
  EXPECT_EQ(read_file(dir / "valid.safetensors"), read_file(dir / "plain.safetensors"));
  run = run_ember(train + (dir / "missing").string() + " --valid /no/such/valid.txt");
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.output.find("/no/such/valid.txt"), std::string::npos) << run.output;
}

// Without --epochs the TextClassifier and the SentimentModel train 5 epochs, the BiLSTM 8 (it
// learns slower); --epochs overrides either.
TEST(Cli, ClassifyEpochsDependOnTheModel) {
  const fs::path dir = scratch("classify_epochs");
  for (const auto& [options, last] :
       std::vector<std::pair<std::string, int>>{{"--model text", 5},
                                                {"--model lstm", 5},
                                                {"--model bilstm", 8},
                                                {"--model bilstm --epochs 3", 3}}) {
    const Result run = run_ember("classify train --hidden 4 --max-length 8 --threads 1 --quiet " +
                                 options + " --input " + kSpam + " --valid " + kSpam +
                                 " --output " + (dir / "model").string());
    ASSERT_EQ(run.status, 0) << options << ":\n" << run.output;
    EXPECT_NE(run.output.find("epoch " + std::to_string(last) + ": accuracy"), std::string::npos)
        << options << ":\n"
        << run.output;
    EXPECT_EQ(run.output.find("epoch " + std::to_string(last + 1) + ":"), std::string::npos)
        << options << ":\n"
        << run.output;
  }
}

// --word-dropout leaves tokens out of the training texts, drawn from the seed: the same seed
// trains the same model, and it is another model than without word dropout.
TEST(Cli, ClassifyWordDropoutIsSeeded) {
  const fs::path dir = scratch("classify_word_dropout");
  const std::string train = "classify train --input " + kSpam +
                            " --epochs 2 --threads 1 --quiet --output " + (dir / "").string();
  for (const char* run : {"plain", "dropped_a --word-dropout 0.3", "dropped_b --word-dropout 0.3"})
    ASSERT_EQ(run_ember(train + run).status, 0) << run;
  const std::string dropped = read_file(dir / "dropped_a.safetensors");
  EXPECT_EQ(read_file(dir / "dropped_b.safetensors"), dropped);
  EXPECT_NE(read_file(dir / "plain.safetensors"), dropped);
  const Result test = run_ember("classify test " + (dir / "dropped_a").string() + " " + kSpam);
  ASSERT_EQ(test.status, 0) << test.output;
  const size_t at = test.output.find("accuracy\t");
  ASSERT_NE(at, std::string::npos) << test.output;
  EXPECT_GE(std::stod(test.output.substr(at + 9)), 0.95) << test.output;
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
    const double accuracy = std::stod(run.output.substr(at + 9));
    run = run_ember("classify predict " + prefix + " " + kSpam);
    ASSERT_EQ(run.status, 0) << run.output;
    EXPECT_EQ(std::count(run.output.begin(), run.output.end(), '\n'), 404) << run.output;
    // predict reads the same last 48 tokens as test: the same labels, so the same accuracy.
    std::istringstream predicted(run.output), lines(read_file(kSpam));
    int correct = 0;
    for (std::string label, line; std::getline(predicted, label) && std::getline(lines, line);)
      correct += line.substr(0, line.find('\t')) == label;
    EXPECT_NEAR(correct / 404.0, accuracy, 1e-4);

    std::map<std::string, std::string> metadata;
    const std::map<std::string, ember::Tensor> state =
        ember::nn::load_safetensors(prefix + ".safetensors", &metadata);
    EXPECT_EQ(metadata["model"], std::string(model) == "lstm"
                                     ? "SentimentModel"
                                     : "SentimentClassifierWithPretrained");
    EXPECT_EQ(metadata["max_length"], "48");
    EXPECT_EQ(metadata["keep"], "last");  // the LSTMs' default
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

// A fastText .bin model (tests/golden/fasttext_bin/, made by Debian's fasttext) in the vector
// commands: told by its magic number, its vocabulary's vectors the table; print-vectors
// prints what `fasttext print-word-vectors` printed, byte for byte, OOV words included.
TEST(Cli, FastTextModelsOpenInTheVectorCommands) {
  const std::string golden = std::string(EMBER_GOLDEN_DIR) + "/fasttext_bin/";
  const std::string model = golden + "skipgram.bin";
  const fs::path dir = scratch("fasttext_bin");
  Result run = run_ember("info " + model);
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("format:      fasttext-bin"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("fastText skipgram model (version 12, loss ns), dim 8, 713 words, "
                            "character n-grams 3 to 6 in 1000 buckets"),
            std::string::npos)
      << run.output;

  const std::string out = (dir / "printed.txt").string();
  // In parentheses: the summary on stderr goes to the output, the vectors to the file.
  run = run_shell("(" + std::string(EMBER_CLI_PATH) + " print-vectors " + model + " < " + golden +
                  "words.txt > " + out + ")");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(read_file(out), read_file(golden + "skipgram_print.txt"));

  const std::string vec = (dir / "m.vec").string();
  run = run_ember("convert " + model + " " + vec);
  EXPECT_EQ(run.status, 0) << run.output;
  // The converted file knows the vocabulary only: an OOV word is the zero vector, said so.
  const std::string ember = std::string(EMBER_CLI_PATH);
  run = run_shell("printf 'café zzzqqq\\n' | " + ember + " print-vectors --precision 9 " + vec);
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("1 of 2 words not in"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("zzzqqq 0 0 0 0 0 0 0 0 \n"), std::string::npos) << run.output;
  const std::string exact = read_file(golden + "skipgram_exact.txt");
  const size_t cafe = exact.find("\ncafé ");
  ASSERT_NE(cafe, std::string::npos);
  const std::string cafe_line = exact.substr(cafe + 1, exact.find('\n', cafe + 1) - cafe - 1);
  EXPECT_NE(run.output.find(cafe_line + " \n"), std::string::npos) << run.output;
  run = run_shell("echo zzzqqq | " + ember + " print-vectors --unknown fail " + vec);
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.output.find("'zzzqqq' is not in"), std::string::npos) << run.output;

  run = run_ember("similar " + model + " government --top 3");
  EXPECT_EQ(run.status, 0) << run.output;
  // similar answers a word outside the vocabulary from its n-grams (as `fasttext nn` does), a
  // word beyond --limit from the model, and says so; a word with neither (the supervised
  // model has no n-grams) and a vector file's unknown word are not answered.
  const struct {
    std::string args;
    int status;
    std::string says;
  } unknown[] = {
      {model + " zzzqqq government --top 3", 0,
       "zzzqqq  (not in the vocabulary: from its character n-grams)\n  "},
      {model + " government --top 3 --limit 20", 0,
       "government  (beyond --limit: its vector from the model)\n  "},
      {golden + "supervised.bin zzzqqq", 1,
       "zzzqqq\n  (not in the vocabulary, and no character n-grams)"},
      {vec + " zzzqqq", 1, "zzzqqq\n  (not in the vocabulary)\n"},
  };
  for (const auto& u : unknown) {
    run = run_ember("similar " + u.args);
    EXPECT_EQ(run.status, u.status) << u.args << "\n" << run.output;
    EXPECT_NE(run.output.find(u.says), std::string::npos) << u.args << "\n" << run.output;
  }
  run = run_ember("analogy " + model + " senate house congress --top 3");
  EXPECT_EQ(run.status, 0) << run.output;
  const std::string pairs = (dir / "pairs.tsv").string();
  std::ofstream(pairs) << "senate\thouse\t5\ngovernment\tcongress\t6\nthe\tof\t1\nwar\tpeace\t3\n";
  run = run_ember("eval " + model + " --similarity " + pairs);
  EXPECT_EQ(run.status, 0) << run.output;
  // --oov-ngrams scores the pair with an OOV word (governmentally) and says so; analogies
  // and vector files are refused or unaffected.
  std::ofstream(pairs, std::ios::app) << "governmentally\tgovernment\t8\n";
  run = run_ember("eval " + model + " --similarity " + pairs);
  EXPECT_NE(run.output.find("      4       1"), std::string::npos) << run.output;  // pairs, oov
  run = run_ember("eval " + model + " --oov-ngrams --similarity " + pairs);
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("1 words of the pair files outside the first 713 built from their "
                            "n-grams"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("      5       0"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("--oov-ngrams: 1 pairs scored through n-grams"), std::string::npos)
      << run.output;
  run = run_ember("eval " + vec + " --oov-ngrams --similarity " + pairs);
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.output.find("not a fastText .bin model"), std::string::npos) << run.output;
  run = run_ember("plot " + model + " --top 20 --method pca --out " + (dir / "p.svg").string());
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_TRUE(fs::exists(dir / "p.svg"));
}
