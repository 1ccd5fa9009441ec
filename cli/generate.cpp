// `ember generate train|sample`: the seed's character language model (seed 004's CharLM:
// char embedding -> LSTM -> Linear) trained on a text file by models::train_char_lm, saved
// with its character vocabulary, and sampled from a prompt greedily or at a temperature.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include <ember/data/language_model_data.h>
#include <ember/ember.h>
#include <ember/models/char_lm_trainer.h>
#include <ember/models/language_models.h>

#include "commands.h"
#include "file_checks.h"
#include "options.h"

namespace ember::cli {

namespace {

int train_model(const std::string& input, const std::string& output, const std::string& valid,
                const models::CharLMTrainOptions& o, bool quiet) {
  using Clock = std::chrono::steady_clock;
  Clock::time_point start = Clock::now(), last_print = start;
  std::clock_t cpu_start = std::clock();
  double recent_loss = 0, last_loss = 0;
  int64_t recent_steps = 0;
  const int64_t chars_per_step = o.batch * o.seq_length;
  auto print_progress = [&](const models::CharLMStep& at, bool final) {
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const double chars_per_sec = double(at.step * chars_per_step) / std::max(seconds, 1e-9);
    const double loss = recent_steps ? recent_loss / double(recent_steps) : last_loss;
    std::fprintf(stderr, "\rstep %6lld", (long long)at.step);
    if (o.steps || !o.epochs) std::fprintf(stderr, "/%lld", (long long)o.steps.value_or(1000));
    std::fprintf(stderr, "  epoch %lld  loss %.4f  bits/char %.3f  chars/s %8.0f ",
                 (long long)at.epoch, loss, loss / std::log(2.0), chars_per_sec);
    if (final) std::fprintf(stderr, "\n");
    last_loss = loss;
    recent_loss = 0;
    recent_steps = 0;
  };
  models::CharLMStep last;
  const auto on_start = [&](const models::TrainedCharLM& t) {
    if (!quiet)
      std::fprintf(stderr, "CharLM: %lld chars, %lld parameters; batch %lld x %lld chars\n",
                   (long long)t.vocab.size(), (long long)t.model->num_parameters(),
                   (long long)o.batch, (long long)o.seq_length);
    start = last_print = Clock::now();
    cpu_start = std::clock();
  };
  const auto on_step = [&](const models::CharLMStep& step) {
    last = step;
    recent_loss += step.loss;
    ++recent_steps;
    if (!quiet && Clock::now() - last_print > std::chrono::milliseconds(500)) {
      print_progress(step, false);
      last_print = Clock::now();
    }
  };
  models::TrainedCharLM trained = models::train_char_lm(input, o, on_step, on_start);
  const double train_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu_seconds = double(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  if (!quiet) print_progress(last, true);

  models::save_char_lm(output, *trained.model, trained.vocab);
  std::printf("trained %lld steps in %.2f s (%.2f s CPU), %.0f chars/s, last loss %.4f; wrote %s\n",
              (long long)trained.steps, train_seconds, cpu_seconds,
              double(trained.steps * chars_per_step) / std::max(train_seconds, 1e-9),
              trained.last_loss, output.c_str());
  if (!valid.empty())
    std::printf("held-out bits/char on %s: %.4f\n", valid.c_str(),
                models::held_out_bits_per_char(*trained.model, valid, trained.vocab, o.batch,
                                               o.seq_length));
  return 0;
}

int sample_model(const std::string& path, const std::string& prompt, int64_t length,
                 double temperature, uint64_t seed) {
  models::LoadedCharLM loaded = models::load_char_lm(path);
  models::CharLM& model = *loaded.model;
  const data::CharVocabulary& vocab = loaded.vocab;
  EMBER_CHECK(!prompt.empty(), "sample: --prompt must not be empty");
  std::string shown;  // the vocabulary with its newline visible
  for (char c : vocab.chars()) shown += c == '\n' ? std::string("\\n") : std::string(1, c);
  for (char c : prompt)
    EMBER_CHECK(vocab.contains(c), "sample: the prompt's character '", std::string(1, c),
                "' is not in the model's vocabulary \"", shown, "\"");
  Generator gen(seed);
  std::vector<int64_t> ids =
      models::generate(model, vocab.encode(prompt), length, temperature, &gen);
  std::printf("%s%s\n", prompt.c_str(), vocab.decode(ids).c_str());
  return 0;
}

}  // namespace

int generate(int argc, char** argv) {
  CLI::App app(
      "train: fits a character language model (embedding -> LSTM -> Linear, seed 004's\n"
      "CharLM) to FILE (plain or .gz; its lines joined by newlines), predicting every next\n"
      "char of consecutive chunks, with Adam; writes OUT (safetensors, with the char\n"
      "vocabulary in its metadata) atomically.\n"
      "sample: continues TEXT by N chars.",
      "ember generate");
  configure(app);
  app.require_subcommand(1);
  models::CharLMTrainOptions o;
  std::string input, valid, model, prompt = "the ";
  int64_t steps = 1000, epochs = 0, threads = 0, length = 200;
  double temperature = 0;
  uint64_t sample_seed = 1;
  bool quiet = false;
  CLI::App* train = app.add_subcommand("train", "train a CharLM on --input, write --model");
  train->add_option("--input", input, "the text to learn (plain or .gz)")->required();
  train->add_option("--model", model, "OUT, the .safetensors file written")->required();
  train->add_option("--embedding", o.embedding, "char embedding size")->check(at_least<int64_t>(1));
  train->add_option("--hidden", o.hidden, "LSTM hidden size")->check(at_least<int64_t>(1));
  train->add_option("--layers", o.layers, "LSTM layers")->check(at_least<int64_t>(1));
  train->add_option("--seq-length", o.seq_length, "chars per chunk (truncated BPTT)")
      ->check(at_least<int64_t>(1));
  train->add_option("--batch", o.batch, "chunks per step")->check(at_least<int64_t>(1));
  CLI::Option* steps_option =
      train->add_option("--steps", steps, "optimizer steps")->check(at_least<int64_t>(0));
  CLI::Option* epochs_option =
      train->add_option("--epochs", epochs, "passes over FILE instead of --steps")
          ->check(at_least<int64_t>(0))
          ->default_str("");
  train->add_option("--lr", o.lr, "Adam learning rate")->check(positive());
  train->add_option("--clip", o.clip, "clip the gradient norm to X, 0: off")->check(at_least(0.0));
  train->add_option("--valid", valid, "report held-out bits/char on FILE at the end");
  train->add_option("--seed", o.seed, "initialisation seed");
  train->add_option("--threads", threads, "CPU threads for the tensor ops (0: all cores)")
      ->check(in_range<int64_t>(0, 4096));
  train->add_flag("--quiet", quiet, "no progress line");
  CLI::App* sample = app.add_subcommand("sample", "continue --prompt from the model in --model");
  sample->add_option("--model", model, "the .safetensors file `generate train` wrote")->required();
  sample->add_option("--prompt", prompt, "the text to continue");
  sample->add_option("--length", length, "chars to add")->check(at_least<int64_t>(0));
  sample
      ->add_option("--temperature", temperature,
                   "0 is greedy (argmax), else softmax(logits / T) sampling")
      ->check(at_least(0.0));
  sample->add_option("--seed", sample_seed, "the sampling seed: the same seed gives the same text");
  parse_command_line(app, argc, argv);
  if (sample->parsed()) return sample_model(model, prompt, length, temperature, sample_seed);
  o.steps = given(steps_option, steps);
  o.epochs = given(epochs_option, epochs);
  set_num_threads(int(threads));  // 0: the cores this process may run on
  prepare_output("--model", model, false);
  return train_model(input, model, valid, o, quiet);
}

}  // namespace ember::cli
