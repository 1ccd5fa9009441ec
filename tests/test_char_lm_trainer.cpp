// models::train_char_lm (what `ember generate train` runs): the loss falls over a few steps
// on tests/data/sotu_1250.txt, each step is reported, the same seed trains the same model,
// and the held-out bits per char follow from the loss.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include <ember/ember.h>
#include <ember/models/char_lm_trainer.h>

#include "testing.h"

namespace {

using namespace ember;

const std::string kText = std::string(EMBER_TEST_DATA_DIR) + "/sotu_1250.txt";

models::CharLMTrainOptions small() {
  models::CharLMTrainOptions options;
  options.embedding = 8;
  options.hidden = 32;
  options.batch = 8;
  options.seq_length = 32;
  options.steps = 40;
  options.lr = 0.01;
  return options;
}

TEST(CharLMTrainer, LossFallsEachStepIsReportedAndTheSeedFixesTheModel) {
  set_num_threads(1);
  std::vector<double> losses;
  bool started = false;
  const models::TrainedCharLM trained = models::train_char_lm(
      kText, small(),
      [&](const models::CharLMStep& step) {
        EXPECT_TRUE(started);
        EXPECT_EQ(step.step, int64_t(losses.size()) + 1);
        losses.push_back(step.loss);
      },
      [&](const models::TrainedCharLM& t) {
        started = true;
        EXPECT_GT(t.vocab.size(), 20);
      });
  ASSERT_EQ(losses.size(), 40u);
  EXPECT_EQ(trained.steps, 40);
  EXPECT_EQ(trained.last_loss, losses.back());
  EXPECT_LT(losses.back(), losses.front() - 0.5) << losses.front() << " -> " << losses.back();

  const models::TrainedCharLM again = models::train_char_lm(kText, small());
  EXPECT_TRUE(ember::testing::all_close(again.model->fc->weight, trained.model->fc->weight, 0, 0));

  const double bits = models::held_out_bits_per_char(*trained.model, kText, trained.vocab, 8, 32);
  EXPECT_GT(bits, 1.0);
  EXPECT_LT(bits, losses.front() / std::log(2.0));
}

TEST(CharLMTrainer, ErrorsNameTheField) {
  models::CharLMTrainOptions options = small();
  options.hidden = 0;
  EXPECT_EMBER_ERROR(models::train_char_lm(kText, options), "hidden");
  options = small();
  options.lr = 0;
  EXPECT_EMBER_ERROR(models::train_char_lm(kText, options), "lr must be positive, got 0");
}

}  // namespace
