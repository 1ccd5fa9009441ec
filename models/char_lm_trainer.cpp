#include <ember/models/char_lm_trainer.h>

#include <cmath>

#include <ember/autograd/grad_mode.h>
#include <ember/nn/functional.h>
#include <ember/nn/loss.h>
#include <ember/optim/optim.h>
#include <ember/tensor/parallel.h>

namespace ember::models {

TrainedCharLM train_char_lm(const std::string& path, const CharLMTrainOptions& o,
                            const std::function<void(const CharLMStep&)>& on_step,
                            const std::function<void(const TrainedCharLM&)>& on_start) {
  EMBER_CHECK(o.embedding > 0 && o.hidden > 0 && o.layers > 0 && o.seq_length > 0 && o.batch > 0,
              "char LM: embedding, hidden, layers, seq_length and batch must be positive, got ",
              o.embedding, ", ", o.hidden, ", ", o.layers, ", ", o.seq_length, " and ", o.batch);
  EMBER_CHECK(o.lr > 0, "char LM: lr must be positive, got ", o.lr);
  EMBER_CHECK(!o.steps || *o.steps >= 0, "char LM: steps must be at least 0, got ", *o.steps);
  EMBER_CHECK(!o.epochs || *o.epochs >= 0, "char LM: epochs must be at least 0, got ", *o.epochs);
  // Steps when given, or when neither is.
  const bool by_steps = o.steps || !o.epochs;
  const int64_t steps = o.steps.value_or(1000);
  TrainedCharLM trained;
  trained.vocab = data::CharVocabulary::build(path);
  trained.generator = std::make_unique<Generator>(o.seed);
  trained.model = std::make_unique<CharLM>(trained.vocab.size(), o.embedding, o.hidden, o.layers,
                                           trained.generator.get());
  CharLM& model = *trained.model;
  optim::Adam optimizer(model.parameters(), o.lr);
  data::CharStream stream(path, trained.vocab, o.batch, o.seq_length);
  if (on_start) on_start(trained);
  Tensor x, y;
  CharLMStep report;
  while (by_steps ? report.step < steps : true) {
    stream.next(x, y);
    if (!by_steps && stream.epoch() >= *o.epochs) break;
    optimizer.zero_grad();
    Tensor loss = char_lm_loss(model, x, y);
    loss.backward();
    if (o.clip > 0) optim::clip_grad_norm_(model.parameters(), o.clip);
    optimizer.step();
    report.loss = loss.item();
    // A loss that is not finite means the weights diverged: stop before anything is saved.
    EMBER_CHECK(std::isfinite(report.loss), "char LM: training diverged: the loss is ", report.loss,
                " at step ", report.step + 1, " (epoch ", stream.epoch() + 1,
                "); try a lower --lr, or --clip");
    ++report.step;
    report.epoch = stream.epoch();
    if (on_step) on_step(report);
  }
  trained.steps = report.step;
  trained.last_loss = report.loss;
  return trained;
}

double held_out_bits_per_char(CharLM& model, const std::string& path,
                              const data::CharVocabulary& vocab, int64_t batch,
                              int64_t seq_length) {
  NoGradGuard no_grad;
  data::CharStream stream(path, vocab, batch, seq_length, /*wrap=*/false);
  Tensor x, y;
  double total = 0;
  int64_t batches = 0;
  while (stream.next(x, y)) {
    total += char_lm_loss(model, x, y).item();
    ++batches;
  }
  EMBER_CHECK(batches > 0, path, ": too short for one batch of ", batch, " x ", seq_length,
              " chars");
  return total / double(batches) / std::log(2.0);
}

}  // namespace ember::models
