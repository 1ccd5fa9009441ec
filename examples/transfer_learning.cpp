// Seed 004_d9113cf7d1e4e731.txt, slide 13 "Embedding Layer in Transfer Learning": the
// TransferLearningModel (pretrained embedding, frozen -> LSTM -> Linear) on the seed's random
// batch; then its fine-tuning step ("unfreeze embeddings") with seed 001's "Differential
// Learning Rates": one optimizer, the LSTM and Linear in a group at 1e-3, the embedding in a
// group at 1e-5 that is skipped while the table is frozen.
//   usage: transfer_learning [--smoke]
#include <cstdio>
#include <cstring>

#include <ember/ember.h>
#include <ember/models/classifier_models.h>

using namespace ember;

int main(int argc, char** argv) {
  const bool smoke = argc > 1 && !std::strcmp(argv[1], "--smoke");
  try {
    manual_seed(0);
    // [snippet:model]
    // Simulated pretrained embeddings
    Tensor pretrained_embeddings = randn({10000, 300});

    // Create model
    models::TransferLearningModel model(pretrained_embeddings, /*num_classes=*/5);

    // Example usage: a batch of 32 sentences, each with 20 words
    Tensor input_ids = randint(0, 10000, {32, 20});
    Tensor output = model.forward(input_ids);
    std::printf("Output shape: %s\n", shape_str(output.sizes()).c_str());  // [32, 5]
    // [/snippet]
    if (output.sizes() != Shape{32, 5}) return 1;

    // Training in two stages on random labels: the head alone, then everything.
    // [snippet:differential_lr]
    optim::Adam optimizer(model.head_parameters(), optim::AdamOptions(1e-3));
    optimizer.add_param_group(model.embedding_parameters(), /*lr=*/1e-5);
    // [/snippet]
    nn::CrossEntropyLoss criterion;
    Tensor labels = randint(0, 5, {32});
    const Tensor table_before = model.embedding->weight.detach().clone();
    const int steps = smoke ? 3 : 20;
    auto train = [&](const char* stage) {
      for (int step = 0; step < steps; ++step) {
        optimizer.zero_grad();
        Tensor loss = criterion(model.forward(input_ids), labels);
        loss.backward();
        optimizer.step();
        if (step == steps - 1) std::printf("%s: loss %.4f\n", stage, loss.item<double>());
      }
    };
    train("frozen embeddings");
    const double frozen_change =
        max(abs(model.embedding->weight.detach() - table_before)).item<double>();

    // [snippet:unfreeze]
    // Fine-tuning: unfreeze embeddings
    model.unfreeze_embeddings();
    train("fine-tuned embeddings");
    // [/snippet]
    const double tuned_change =
        max(abs(model.embedding->weight.detach() - table_before)).item<double>();
    std::printf("largest change of the table: %g while frozen, %g after fine-tuning (lr %g)\n",
                frozen_change, tuned_change, optimizer.param_groups()[1].lr);
    // Frozen: untouched. Fine-tuned: Adam moves an element by at most about lr a step.
    return frozen_change == 0.0 && tuned_change > 0.0 && tuned_change <= steps * 1.1e-5 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "transfer_learning: %s\n", e.what());
    return 1;
  }
}
