// The seeds' language models (models/language_models.h) and their batch streams
// (data/language_model_data.h): gradchecks of NGramLanguageModel's and CharLM's forwards
// (float64, tiny sizes); parity with PyTorch (golden/language_models.txt, written by
// make_golden_lm.py) of the logits, the loss, its gradients and two Adam steps; the streams'
// batch order; generation (greedy is deterministic, a seed fixes a sample, temperature -> 0
// is greedy); and quality: a CharLM trained on bundled text gets held-out bits per char
// under a threshold, and an NGramLanguageModel beats the unigram perplexity.
#include <cmath>
#include <filesystem>
#include <fstream>

#include <ember/autograd/gradcheck.h>
#include <ember/data/language_model_data.h>
#include <ember/models/language_models.h>
#include <ember/nn/functional.h>
#include <ember/nn/functional/loss.h>
#include <ember/nn/serialize.h>
#include <ember/optim/adam.h>
#include <ember/optim/clip_grad.h>
#include <ember/tensor/parallel.h>

#include "golden.h"
#include "testing.h"

namespace ember {
namespace {

using models::CharLM;
using models::NGramLanguageModel;

void expect_gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                      const std::vector<Tensor>& inputs) {
  GradcheckResult result = gradcheck(f, inputs);
  EXPECT_TRUE(result.ok) << result.report;
}

// A scratch directory under the build's temp dir, removed at the end of the test.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name)
      : path(std::filesystem::temp_directory_path() / ("ember_test_lm_" + name)) {
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

// Lines [first, first + count) of corpus/sample.txt written to `out`.
void write_sample_lines(const std::string& out, int64_t first, int64_t count) {
  std::ifstream in(std::string(EMBER_SOURCE_DIR) + "/corpus/sample.txt");
  ASSERT_TRUE(in) << "missing corpus/sample.txt";
  std::ofstream file(out);
  std::string line;
  for (int64_t i = 0; i < first + count && std::getline(in, line); ++i)
    if (i >= first) file << line << '\n';
}

// ---- gradchecks ----

TEST(NGramLanguageModel, Gradcheck) {
  Generator gen(1);
  NGramLanguageModel model(6, 3, 2, 4, &gen);
  model.to(kFloat64);
  Tensor context = tensor({0, 5, 2, 2, 4, 1}, kInt64).view({3, 2});
  expect_gradcheck([&](const std::vector<Tensor>&) { return model.forward(context); },
                   model.parameters());
}

TEST(CharLM, GradcheckSeedForwardAndEveryStep) {
  Generator gen(2);
  CharLM model(5, 3, 4, 1, &gen);
  model.to(kFloat64);
  Tensor x = tensor({0, 4, 2, 1, 3, 3, 0, 2}, kInt64).view({2, 4});
  expect_gradcheck([&](const std::vector<Tensor>&) { return model.forward(x); },
                   model.parameters());
  expect_gradcheck([&](const std::vector<Tensor>&) { return model.forward_all(x).first; },
                   model.parameters());
}

TEST(CharLM, GradcheckTwoLayerLoss) {
  Generator gen(3);
  CharLM model(4, 2, 3, 2, &gen);
  model.to(kFloat64);
  Tensor x = tensor({0, 3, 2, 1, 1, 0}, kInt64).view({2, 3});
  Tensor y = tensor({3, 2, 1, 0, 0, 2}, kInt64).view({2, 3});
  expect_gradcheck([&](const std::vector<Tensor>&) { return models::char_lm_loss(model, x, y); },
                   model.parameters());
}

// ---- parity with PyTorch ----

// Loads the case's state_dict into the model, checks the outputs `forward` gives, the loss
// and its gradients, then two Adam steps against PyTorch's.
void check_golden_case(const golden::GoldenCase& c, nn::Module& model,
                       const std::function<golden::Outputs(const golden::Args&)>& forward,
                       const std::function<Tensor(const golden::Args&)>& loss_fn) {
  golden::Args args;
  nn::StateDict state;
  for (const golden::Record& input : c.inputs) {
    args[input.name] = input.value;
    if (is_floating(input.value.dtype())) state[input.name] = input.value;
  }
  model.to(state.begin()->second.dtype());
  model.load_state_dict(state);
  golden::Outputs outputs = forward(args);
  for (const auto& [name, value] : outputs)
    for (const golden::Record& expected : c.outputs)
      if (expected.name == name) golden::expect_matches(c, "output " + name, value, expected.value);

  optim::Adam optimizer(model.parameters(), 0.01);
  std::map<std::string, Tensor> expected;
  for (const golden::Record& output : c.outputs) expected[output.name] = output.value;
  Tensor loss = loss_fn(args);
  golden::expect_matches(c, "loss", loss, expected.at("loss"));
  loss.backward();
  for (const auto& [name, parameter] : model.named_parameters()) {
    const golden::Record* grad = c.grad(name);
    ASSERT_NE(grad, nullptr) << c.where() << ": no gradient of " << name;
    golden::expect_matches(c, "gradient of " + name, parameter.grad(), grad->value);
  }
  optimizer.step();
  optimizer.zero_grad();
  Tensor loss_1 = loss_fn(args);
  golden::expect_matches(c, "loss after one Adam step", loss_1, expected.at("loss_1"));
  loss_1.backward();
  optimizer.step();
  for (const auto& [name, parameter] : model.named_parameters())
    golden::expect_matches(c, name + " after two Adam steps", parameter.detach(),
                           expected.at("stepped." + name));
}

TEST(LanguageModelsParity, MatchPyTorch) {
  std::vector<golden::GoldenCase> cases = golden::read_golden("language_models");
  ASSERT_EQ(cases.size(), 4u);
  for (const golden::GoldenCase& c : cases) {
    if (c.name.rfind("ngram", 0) == 0) {
      NGramLanguageModel model(c.integer("vocab_size"), c.integer("embedding_dim"),
                               c.integer("context_size"), c.integer("hidden_dim"));
      check_golden_case(
          c, model,
          [&](const golden::Args& a) {
            return golden::Outputs{{"logits", model.forward(golden::arg(a, "context"))}};
          },
          [&](const golden::Args& a) {
            return nn::functional::cross_entropy(model.forward(golden::arg(a, "context")),
                                                 golden::arg(a, "target"));
          });
    } else {
      CharLM model(c.integer("vocab_size"), c.integer("embedding_dim"), c.integer("hidden_dim"),
                   c.integer("num_layers"));
      check_golden_case(
          c, model,
          [&](const golden::Args& a) {
            Tensor x = golden::arg(a, "x");
            return golden::Outputs{{"logits", model.forward(x)},
                                   {"logits_all", model.forward_all(x).first}};
          },
          [&](const golden::Args& a) {
            return models::char_lm_loss(model, golden::arg(a, "x"), golden::arg(a, "y"));
          });
    }
  }
}

// ---- the batch streams ----

TEST(CharStream, ConsecutiveChunksThatWrap) {
  TempDir dir("char_stream");
  std::ofstream(dir.file("text.txt")) << "abcde\nfgh\n";  // the stream: "abcde\nfgh"
  data::CharVocabulary vocab = data::CharVocabulary::build(dir.file("text.txt"));
  EXPECT_EQ(vocab.chars(), "\nabcdefgh");
  data::CharStream stream(dir.file("text.txt"), vocab, 2, 2);
  Tensor x, y;
  ASSERT_TRUE(stream.next(x, y));  // rows "ab" "cd" -> "bc" "de"
  EXPECT_EQ(vocab.decode(x.to_vector<int64_t>()), "abcd");
  EXPECT_EQ(vocab.decode(y.to_vector<int64_t>()), "bcde");
  ASSERT_TRUE(stream.next(x, y));
  EXPECT_EQ(vocab.decode(x.to_vector<int64_t>()), "e\nfg");
  EXPECT_EQ(vocab.decode(y.to_vector<int64_t>()), "\nfgh");
  ASSERT_TRUE(stream.next(x, y));  // 1 char left: wraps to the start
  EXPECT_EQ(stream.epoch(), 1);
  EXPECT_EQ(vocab.decode(x.to_vector<int64_t>()), "abcd");

  data::CharStream once(dir.file("text.txt"), vocab, 2, 2, /*wrap=*/false);
  EXPECT_TRUE(once.next(x, y));
  EXPECT_TRUE(once.next(x, y));
  EXPECT_FALSE(once.next(x, y));
}

TEST(CharStream, UnknownCharacterIsAnError) {
  TempDir dir("char_unknown");
  std::ofstream(dir.file("text.txt")) << "abab\nab?b\n";
  data::CharVocabulary vocab("ab\n");
  data::CharStream stream(dir.file("text.txt"), vocab, 1, 8);
  Tensor x, y;
  EXPECT_EMBER_ERROR(stream.next(x, y), "line 2");
}

TEST(NGramStream, ContextsInTextOrder) {
  TempDir dir("ngram_stream");
  std::ofstream(dir.file("text.txt")) << "a b c\nb zz\n";
  data::VocabularyOptions options;
  options.specials = {"<unk>", "<eos>"};
  data::Vocabulary vocab = data::Vocabulary::build(std::vector<std::string>{"a b c b"}, options);
  data::NGramStream stream(dir.file("text.txt"), vocab, 2, 3);
  // tokens: a b c <eos> b <unk> <eos>
  const int64_t a = vocab.id("a"), b = vocab.id("b"), c = vocab.id("c");
  const int64_t eos = vocab.eos_id(), unk = vocab.unk_id();
  Tensor context, target;
  ASSERT_TRUE(stream.next(context, target));
  EXPECT_EQ(context.to_vector<int64_t>(), (std::vector<int64_t>{a, b, b, c, c, eos}));
  EXPECT_EQ(target.to_vector<int64_t>(), (std::vector<int64_t>{c, eos, b}));
  ASSERT_TRUE(stream.next(context, target));  // the short last batch
  EXPECT_EQ(context.to_vector<int64_t>(), (std::vector<int64_t>{eos, b, b, unk}));
  EXPECT_EQ(target.to_vector<int64_t>(), (std::vector<int64_t>{unk, eos}));
  EXPECT_FALSE(stream.next(context, target));
}

// ---- generation ----

TEST(CharLM, GreedyIsDeterministicAndMatchesTheSeedLoop) {
  Generator init(4);
  CharLM model(7, 4, 8, 1, &init);
  std::vector<int64_t> prompt{1, 2, 3};
  std::vector<int64_t> first = models::generate(model, prompt, 12);
  EXPECT_EQ(first, models::generate(model, prompt, 12));
  ASSERT_EQ(first.size(), 12u);
  // The seed re-reads the whole text each step and takes the argmax of forward(x); with the
  // whole history as the window, that is the same as carrying the LSTM state.
  std::vector<int64_t> text = prompt;
  for (int i = 0; i < 12; ++i) {
    Tensor logits = model.forward(tensor(text, {1, int64_t(text.size())}, kInt64));
    text.push_back(argmax(logits, 1).item<int64_t>());
  }
  EXPECT_EQ(std::vector<int64_t>(text.begin() + 3, text.end()), first);
}

TEST(CharLM, SameSeedSameSampleAndColdTemperatureIsGreedy) {
  Generator init(5);
  CharLM model(9, 4, 8, 1, &init);
  std::vector<int64_t> prompt{0, 4};
  Generator g1(42), g2(42), g3(43);
  std::vector<int64_t> a = models::generate(model, prompt, 40, 1.0, &g1);
  std::vector<int64_t> b = models::generate(model, prompt, 40, 1.0, &g2);
  std::vector<int64_t> c = models::generate(model, prompt, 40, 1.0, &g3);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  Generator g4(7);
  EXPECT_EQ(models::generate(model, prompt, 40, 1e-4, &g4), models::generate(model, prompt, 40));
}

TEST(CharLM, SampleLogitsFollowsTheSoftmax) {
  // Probabilities 3/6, 1/6, 2/6 at temperature 1 (the max first, so the shift by the max must
  // not change as the loop goes); at temperature 0.5 they square: 9/14, 1/14, 4/14.
  Tensor logits = tensor({std::log(3.0f), 0.0f, std::log(2.0f)});
  Generator gen(9);
  for (auto [temperature, expected] :
       {std::pair<double, std::vector<double>>{1.0, {3 / 6.0, 1 / 6.0, 2 / 6.0}},
        {0.5, {9 / 14.0, 1 / 14.0, 4 / 14.0}}}) {
    std::vector<double> seen(3, 0.0);
    for (int i = 0; i < 6000; ++i)
      seen[size_t(models::sample_logits(logits, temperature, &gen))] += 1;
    for (size_t v = 0; v < 3; ++v)
      EXPECT_NEAR(seen[v] / 6000.0, expected[v], 0.02)
          << "temperature " << temperature << ", id " << v;
  }
  EXPECT_EQ(models::sample_logits(logits, 0.0, &gen), 0);
  EXPECT_EMBER_ERROR(models::sample_logits(logits, -1.0, &gen), "temperature");
}

TEST(CharLM, BadInputIsAnError) {
  CharLM model(5, 2, 3);
  EXPECT_EMBER_ERROR(models::generate(model, {7}, 3), "prompt id 7");
  EXPECT_EMBER_ERROR(model.forward(tensor({1, 2}, kInt64)), "[B, T]");
  NGramLanguageModel ngram(5, 2, 3);
  EXPECT_EMBER_ERROR(ngram.forward(tensor({1, 2}, kInt64).view({1, 2})), "context must be");
}

// ---- the model file ----

TEST(CharLM, SavedWithItsVocabularyAndLoadedBack) {
  TempDir dir("save");
  data::CharVocabulary vocab("\n abcdefgh");
  Generator init(6);
  CharLM model(vocab.size(), 4, 8, 2, &init);
  models::save_char_lm(dir.file("lm.safetensors"), model, vocab);
  models::LoadedCharLM loaded = models::load_char_lm(dir.file("lm.safetensors"));
  EXPECT_EQ(loaded.vocab.chars(), vocab.chars());
  EXPECT_EQ(loaded.model->lstm->num_layers, 2);
  const std::vector<int64_t> prompt = vocab.encode("cab\nd");
  Generator g1(3), g2(3);
  EXPECT_EQ(models::generate(*loaded.model, prompt, 30, 0.8, &g1),
            models::generate(model, prompt, 30, 0.8, &g2));

  nn::save_safetensors(dir.file("other.safetensors"), model.state_dict(),
                       {{"ember.model", "CharLM"}, {"chars", "10,32,x"}});
  EXPECT_EMBER_ERROR(models::load_char_lm(dir.file("other.safetensors")),
                     "bad value 'x' for chars");
  nn::save_safetensors(dir.file("plain.safetensors"), model.state_dict());
  EXPECT_EMBER_ERROR(models::load_char_lm(dir.file("plain.safetensors")), "no 'ember.model'");
}

// Metadata sizes that the stored tensors do not have: an error naming the file and the
// field, before a model of those sizes is allocated.
TEST(CharLM, LoadChecksTheMetadataAgainstTheTensors) {
  TempDir dir("meta");
  data::CharVocabulary vocab("\n abcdefgh");
  Generator init(6);
  CharLM model(vocab.size(), 4, 8, 2, &init);
  const std::string path = dir.file("lm.safetensors");
  models::save_char_lm(path, model, vocab);
  std::map<std::string, std::string> good;
  const std::map<std::string, Tensor> state = nn::load_safetensors(path, &good);
  const std::pair<const char*, const char*> cases[][2] = {
      {{"hidden_dim", "1073741824"}, {"hidden_dim", "tensor 'lstm.weight_hh_l0' [4294967296, "}},
      {{"embedding_dim", "100000"}, {"chars and embedding_dim", "but the file has ["}},
      {{"num_layers", "1000"}, {"num_layers", "'lstm.weight_hh_l999'"}},
      {{"hidden_dim", "4611686018427387904"}, {"bad value", "for hidden_dim"}},
  };
  for (const auto& c : cases) {
    std::map<std::string, std::string> bad = good;
    bad[c[0].first] = c[0].second;
    nn::save_safetensors(path, state, bad);
    EXPECT_EMBER_ERROR(models::load_char_lm(path), c[1].first);
    EXPECT_EMBER_ERROR(models::load_char_lm(path), c[1].second);
    EXPECT_EMBER_ERROR(models::load_char_lm(path), path + ": ");
  }
}

// ---- quality on real text ----

// Held-out bits per char: mean cross-entropy / ln 2 over every position of the held-out
// stream, in eval mode without a graph.
double bits_per_char(CharLM& model, const std::string& path, const data::CharVocabulary& vocab) {
  NoGradGuard no_grad;
  data::CharStream stream(path, vocab, 16, 64, /*wrap=*/false);
  Tensor x, y;
  double total = 0;
  int64_t batches = 0;
  while (stream.next(x, y)) {
    total += models::char_lm_loss(model, x, y).item();
    ++batches;
  }
  return total / double(batches) / std::log(2.0);
}

// One thread for the quality tests: their ops are small (bench/results/2026-11-23-cpu-lm.md
// times such ops on 1 and 2 threads).
struct OneThread {
  int saved = get_num_threads();
  OneThread() { set_num_threads(1); }
  ~OneThread() { set_num_threads(saved); }
};

TEST(CharLM, LearnsEnglishOnBundledText) {
  OneThread one_thread;
  TempDir dir("quality");
  write_sample_lines(dir.file("train.txt"), 0, 800);     // ~95 KB of State of the Union
  write_sample_lines(dir.file("valid.txt"), 5000, 100);  // ~12 KB further on
  data::CharVocabulary vocab = data::CharVocabulary::build(dir.file("train.txt"));
  Generator gen(1);
  CharLM model(vocab.size(), 16, 64, 1, &gen);
  const double before = bits_per_char(model, dir.file("valid.txt"), vocab);
  optim::Adam optimizer(model.parameters(), 0.01);
  data::CharStream stream(dir.file("train.txt"), vocab, 32, 64);
  Tensor x, y;
  for (int step = 0; step < 300; ++step) {
    stream.next(x, y);
    optimizer.zero_grad();
    models::char_lm_loss(model, x, y).backward();
    optim::clip_grad_norm_(model.parameters(), 5.0);
    optimizer.step();
  }
  const double after = bits_per_char(model, dir.file("valid.txt"), vocab);
  // A uniform guess over 38 chars is 5.2 bits, the char unigram ~4.1; this LSTM reaches
  // 2.38 after its 300 steps (ember generate train with the same settings).
  EXPECT_GT(before, 4.5);
  EXPECT_LT(after, 2.5) << "held-out bits per char " << after << " (before training " << before
                        << ")";
}

TEST(NGramLanguageModel, BeatsTheUnigramOnHeldOutText) {
  OneThread one_thread;
  TempDir dir("ngram_quality");
  write_sample_lines(dir.file("train.txt"), 0, 1500);
  write_sample_lines(dir.file("valid.txt"), 5000, 200);
  data::VocabularyOptions options;
  options.max_size = 1000;
  options.specials = {"<unk>", "<eos>"};
  data::Vocabulary vocab = data::Vocabulary::build(dir.file("train.txt"), options);
  // The unigram's held-out perplexity, with the train counts (<eos> once a line, every
  // word out of the vocabulary as <unk>).
  std::vector<double> counts(size_t(vocab.size()), 0.0);
  {
    data::NGramStream stream(dir.file("train.txt"), vocab, 1, 4096);
    Tensor context, target;
    while (stream.next(context, target))
      for (int64_t id : target.to_vector<int64_t>()) counts[size_t(id)] += 1;
  }
  double train_total = 0;
  for (double count : counts) train_total += count;
  double log_loss = 0;
  int64_t held_out = 0;
  {
    data::NGramStream stream(dir.file("valid.txt"), vocab, 2, 4096);
    Tensor context, target;
    while (stream.next(context, target))
      for (int64_t id : target.to_vector<int64_t>()) {
        log_loss -= std::log((counts[size_t(id)] + 1) / (train_total + double(counts.size())));
        ++held_out;
      }
  }
  const double unigram = std::exp(log_loss / double(held_out));

  Generator gen(1);
  NGramLanguageModel model(vocab.size(), 32, 2, 64, &gen);
  data::NGramStream train(dir.file("train.txt"), vocab, 2, 64);
  std::vector<double> losses = models::train_language_model(
      model, [&](Tensor& c, Tensor& t) { return train.next(c, t); }, [&] { train.rewind(); }, 2,
      0.002, /*quiet=*/true);
  EXPECT_LT(losses[1], losses[0]);
  data::NGramStream valid(dir.file("valid.txt"), vocab, 2, 4096);
  const double ppl =
      models::perplexity(model, [&](Tensor& c, Tensor& t) { return valid.next(c, t); });
  EXPECT_LT(ppl, 0.9 * unigram) << "n-gram perplexity " << ppl << ", unigram " << unigram;
}

}  // namespace
}  // namespace ember
