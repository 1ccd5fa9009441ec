// `ember generate train|sample`: the seed's character language model (seed 004's CharLM:
// char embedding -> LSTM -> Linear) trained on a text file in consecutive chunks of
// characters, saved with its character vocabulary, and sampled from a prompt greedily or at
// a temperature.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>

#include <ember/data/language_model_data.h>
#include <ember/ember.h>
#include <ember/models/language_models.h>

#include "args.h"
#include "commands.h"

namespace ember::cli {

namespace {

struct GenerateOptions {
  std::string action;  // train or sample
  std::string input, valid, model;
  int64_t embedding = 32, hidden = 256, layers = 1, seq_length = 64, batch = 32;
  int64_t steps = -1, epochs = -1, threads = 0;
  double lr = 0.002, clip = 5.0;
  std::string prompt = "the ";
  int64_t length = 200;
  double temperature = 0.0;
  uint64_t seed = 1;
  bool quiet = false;
};

void print_generate_help() {
  std::printf(
      "usage: ember generate train --input FILE --model OUT [options]\n"
      "       ember generate sample --model FILE [--prompt TEXT] [--length N] [--temperature T]\n"
      "\n"
      "train: fits a character language model (embedding -> LSTM -> Linear, seed 004's\n"
      "CharLM) to FILE (plain or .gz; its lines joined by newlines), predicting every next\n"
      "char of consecutive chunks, with Adam; writes OUT (safetensors, with the char\n"
      "vocabulary in its metadata) atomically.\n"
      "  --embedding N   char embedding size                  [32]\n"
      "  --hidden N      LSTM hidden size                     [256]\n"
      "  --layers N      LSTM layers                          [1]\n"
      "  --seq-length N  chars per chunk (truncated BPTT)     [64]\n"
      "  --batch N       chunks per step                      [32]\n"
      "  --steps N       optimizer steps                      [1000]\n"
      "  --epochs N      passes over FILE instead of --steps\n"
      "  --lr X          Adam learning rate                   [0.002]\n"
      "  --clip X        clip the gradient norm to X, 0: off  [5]\n"
      "  --valid FILE    report held-out bits/char on FILE at the end\n"
      "  --seed N        initialisation seed                  [1]\n"
      "  --threads N     CPU threads for the tensor ops       [all cores]\n"
      "  --quiet         no progress line\n"
      "sample: continues TEXT by N chars.\n"
      "  --prompt TEXT   [\"the \"]   --length N [200]\n"
      "  --temperature T 0 is greedy (argmax), else softmax(logits / T) sampling [0]\n"
      "  --seed N        the sampling seed: the same seed gives the same text [1]\n");
}

GenerateOptions parse(int argc, char** argv) {
  GenerateOptions o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      print_generate_help();
      std::exit(0);
    }
    if (flag == "--quiet") {
      o.quiet = true;
      continue;
    }
    if (flag.rfind("--", 0) != 0) {
      EMBER_CHECK(o.action.empty(), "unexpected argument '", flag, "' (see ember generate --help)");
      o.action = flag;
      continue;
    }
    EMBER_CHECK(i + 1 < argc, "option ", flag, " needs a value");
    const std::string value = argv[++i];
    auto integer = [&] { return parse_integer(flag, value); };
    auto real = [&] { return parse_real(flag, value); };
    if (flag == "--input")
      o.input = value;
    else if (flag == "--valid")
      o.valid = value;
    else if (flag == "--model")
      o.model = value;
    else if (flag == "--embedding")
      o.embedding = integer();
    else if (flag == "--hidden")
      o.hidden = integer();
    else if (flag == "--layers")
      o.layers = integer();
    else if (flag == "--seq-length")
      o.seq_length = integer();
    else if (flag == "--batch")
      o.batch = integer();
    else if (flag == "--steps")
      o.steps = integer();
    else if (flag == "--epochs")
      o.epochs = integer();
    else if (flag == "--lr")
      o.lr = real();
    else if (flag == "--clip")
      o.clip = real();
    else if (flag == "--seed")
      o.seed = uint64_t(integer());
    else if (flag == "--threads")
      o.threads = integer();
    else if (flag == "--prompt")
      o.prompt = value;
    else if (flag == "--length")
      o.length = integer();
    else if (flag == "--temperature")
      o.temperature = real();
    else
      EMBER_FAIL("unknown option ", flag, " (see ember generate --help)");
  }
  EMBER_CHECK(o.action == "train" || o.action == "sample",
              "the action must be train or sample (got '", o.action,
              "'; see ember generate --help)");
  EMBER_CHECK(!o.model.empty(), "--model FILE is required");
  EMBER_CHECK(o.embedding > 0 && o.hidden > 0 && o.layers > 0 && o.seq_length > 0 && o.batch > 0,
              "--embedding, --hidden, --layers, --seq-length and --batch must "
              "be positive");
  EMBER_CHECK(o.lr > 0, "--lr ", o.lr, " must be positive");
  EMBER_CHECK(o.temperature >= 0, "--temperature ", o.temperature, " must be >= 0");
  EMBER_CHECK(o.length >= 0, "--length ", o.length, " must be >= 0");
  if (o.steps < 0 && o.epochs < 0) o.steps = 1000;
  if (o.threads <= 0) o.threads = int64_t(std::max(1u, std::thread::hardware_concurrency()));
  return o;
}

// Mean loss over the held-out stream, in bits per char.
double held_out_bits(models::CharLM& model, const std::string& path,
                     const data::CharVocabulary& vocab, const GenerateOptions& o) {
  NoGradGuard no_grad;
  data::CharStream stream(path, vocab, o.batch, o.seq_length, /*wrap=*/false);
  Tensor x, y;
  double total = 0;
  int64_t batches = 0;
  while (stream.next(x, y)) {
    total += models::char_lm_loss(model, x, y).item();
    ++batches;
  }
  EMBER_CHECK(batches > 0, path, ": too short for one batch of ", o.batch, " x ", o.seq_length,
              " chars");
  return total / double(batches) / std::log(2.0);
}

int train_model(const GenerateOptions& o) {
  EMBER_CHECK(!o.input.empty(), "train: --input FILE is required");
  set_num_threads(int(o.threads));
  data::CharVocabulary vocab = data::CharVocabulary::build(o.input);
  Generator gen(o.seed);
  models::CharLM model(vocab.size(), o.embedding, o.hidden, o.layers, &gen);
  optim::Adam optimizer(model.parameters(), o.lr);
  data::CharStream stream(o.input, vocab, o.batch, o.seq_length);
  if (!o.quiet)
    std::fprintf(stderr, "CharLM: %lld chars, %lld parameters; batch %lld x %lld chars\n",
                 (long long)vocab.size(), (long long)model.num_parameters(), (long long)o.batch,
                 (long long)o.seq_length);

  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const std::clock_t cpu_start = std::clock();
  auto last_print = start;
  double recent_loss = 0, last_loss = 0, last_step_loss = 0;
  int64_t recent_steps = 0, step = 0;
  Tensor x, y;
  auto print_progress = [&](bool final) {
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const double chars_per_sec = double(step * o.batch * o.seq_length) / std::max(seconds, 1e-9);
    const double loss = recent_steps ? recent_loss / double(recent_steps) : last_loss;
    std::fprintf(stderr, "\rstep %6lld", (long long)step);
    if (o.steps >= 0) std::fprintf(stderr, "/%lld", (long long)o.steps);
    std::fprintf(stderr, "  epoch %lld  loss %.4f  bits/char %.3f  chars/s %8.0f ",
                 (long long)stream.epoch(), loss, loss / std::log(2.0), chars_per_sec);
    if (final) std::fprintf(stderr, "\n");
    last_loss = loss;
    recent_loss = 0;
    recent_steps = 0;
  };
  while (o.steps >= 0 ? step < o.steps : true) {
    stream.next(x, y);
    if (o.steps < 0 && stream.epoch() >= o.epochs) break;
    optimizer.zero_grad();
    Tensor loss = models::char_lm_loss(model, x, y);
    loss.backward();
    if (o.clip > 0) optim::clip_grad_norm_(model.parameters(), o.clip);
    optimizer.step();
    last_step_loss = loss.item();
    recent_loss += last_step_loss;
    ++recent_steps;
    ++step;
    if (!o.quiet && Clock::now() - last_print > std::chrono::milliseconds(500)) {
      print_progress(false);
      last_print = Clock::now();
    }
  }
  const double train_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu_seconds = double(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  if (!o.quiet) print_progress(true);

  models::save_char_lm(o.model, model, vocab);
  std::printf("trained %lld steps in %.2f s (%.2f s CPU), %.0f chars/s, last loss %.4f; wrote %s\n",
              (long long)step, train_seconds, cpu_seconds,
              double(step * o.batch * o.seq_length) / std::max(train_seconds, 1e-9), last_step_loss,
              o.model.c_str());
  if (!o.valid.empty())
    std::printf("held-out bits/char on %s: %.4f\n", o.valid.c_str(),
                held_out_bits(model, o.valid, vocab, o));
  return 0;
}

int sample_model(const GenerateOptions& o) {
  models::LoadedCharLM loaded = models::load_char_lm(o.model);
  models::CharLM& model = *loaded.model;
  const data::CharVocabulary& vocab = loaded.vocab;
  EMBER_CHECK(!o.prompt.empty(), "sample: --prompt must not be empty");
  std::string shown;  // the vocabulary with its newline visible
  for (char c : vocab.chars()) shown += c == '\n' ? std::string("\\n") : std::string(1, c);
  for (char c : o.prompt)
    EMBER_CHECK(vocab.contains(c), "sample: the prompt's character '", std::string(1, c),
                "' is not in the model's vocabulary \"", shown, "\"");
  Generator gen(o.seed);
  std::vector<int64_t> ids =
      models::generate(model, vocab.encode(o.prompt), o.length, o.temperature, &gen);
  std::printf("%s%s\n", o.prompt.c_str(), vocab.decode(ids).c_str());
  return 0;
}

}  // namespace

int generate(int argc, char** argv) {
  GenerateOptions o = parse(argc, argv);
  return o.action == "train" ? train_model(o) : sample_model(o);
}

}  // namespace ember::cli
