// Seed 004 (d9113cf7d1e4e731), "Slide 11": text generation with a character-level LSTM,
// CharLM = char embedding -> LSTM -> Linear, trained on the windows of one sentence, then
// greedy generation from "Hello, ". Part 2 trains the same model on the bundled corpus
// (streamed in consecutive chunks, every position predicted) and samples at temperatures.
//
//   ./char_lm            the seed's 100 epochs, then 600 steps on corpus/sample.txt
//   ./char_lm --smoke    a few seconds: fewer epochs and steps (run as a test)
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <ember/data/language_model_data.h>
#include <ember/ember.h>
#include <ember/models/language_models.h>

using namespace ember;

int main(int argc, char** argv) {
  const bool smoke = argc > 1 && !std::strcmp(argv[1], "--smoke");
  manual_seed(0);
  set_num_threads(1);  // tensors this small run fastest on one thread

  // Sample text
  const std::string text = "Hello, world! This is a simple example of text generation.";
  data::CharVocabulary chars(text);  // sorted(set(text)): char_to_idx and idx_to_char

  // Prepare data: every window of sequence_length chars (X) and the char after it (y)
  const int64_t sequence_length = 10;
  const int64_t windows = int64_t(text.size()) - sequence_length;
  std::vector<int64_t> x_ids, y_ids;
  for (int64_t i = 0; i < windows; ++i) {
    for (int64_t ch : chars.encode(text.substr(size_t(i), size_t(sequence_length))))
      x_ids.push_back(ch);
    y_ids.push_back(chars.id(text[size_t(i + sequence_length)]));
  }
  Tensor X = tensor(x_ids, {windows, sequence_length}, kInt64);
  Tensor y = tensor(y_ids, {windows}, kInt64);

  // [snippet:train]
  // Train model
  models::CharLM model(chars.size(), 10, 20);
  optim::Adam optimizer(model.parameters());
  nn::CrossEntropyLoss criterion;
  Tensor loss;
  for (int epoch = 0; epoch < (smoke ? 30 : 100); ++epoch) {
    optimizer.zero_grad();
    Tensor output = model.forward(X);
    loss = criterion(output, y);
    loss.backward();
    optimizer.step();
  }
  std::printf("Final loss: %.4f\n", loss.item());
  // [/snippet]

  // [snippet:generate]
  // Generate text: the seed's greedy loop, one argmax at a time
  std::vector<int64_t> generated = chars.encode("Hello, ");
  for (int i = 0; i < 20; ++i) {
    std::vector<int64_t> window(
        generated.end() - std::min<int64_t>(sequence_length, int64_t(generated.size())),
        generated.end());
    Tensor output = model.forward(tensor(window, {1, int64_t(window.size())}, kInt64));
    generated.push_back(argmax(output, 1).item<int64_t>());
  }
  std::printf("Generated text: %s\n", chars.decode(generated).c_str());
  // [/snippet]
  if (!std::isfinite(loss.item())) return 1;

  // Part 2: the same model, bigger, on real text streamed from the bundled corpus.
  const std::string corpus = "corpus/sample.txt";
  data::CharVocabulary vocab = data::CharVocabulary::build(corpus);
  Generator gen(1);
  models::CharLM lm(vocab.size(), 16, smoke ? 32 : 128, 1, &gen);
  optim::Adam adam(lm.parameters(), 0.005);
  data::CharStream stream(corpus, vocab, /*batch_size=*/32, /*sequence_length=*/64);
  const int steps = smoke ? 40 : 600;
  double first_loss = 0, last_loss = 0;
  for (int step = 0; step < steps; ++step) {
    Tensor inputs, targets;
    stream.next(inputs, targets);
    adam.zero_grad();
    Tensor step_loss = models::char_lm_loss(lm, inputs, targets);
    step_loss.backward();
    optim::clip_grad_norm_(lm.parameters(), 5.0);
    adam.step();
    if (step == 0) first_loss = step_loss.item();
    last_loss = step_loss.item();
    if ((step + 1) % (steps / 4) == 0)
      std::printf("step %d  loss %.4f  bits/char %.3f\n", step + 1, last_loss,
                  last_loss / std::log(2.0));
  }
  // [snippet:sample]
  for (double temperature : {0.0, 0.5, 1.0}) {
    Generator sampler(7);
    std::vector<int64_t> ids =
        models::generate(lm, vocab.encode("the president "), 80, temperature, &sampler);
    std::printf("temperature %.1f: the president %s\n", temperature, vocab.decode(ids).c_str());
  }
  // [/snippet]
  // Training must have lowered the loss; anything else is a failure.
  return last_loss < first_loss ? 0 : 1;
}
