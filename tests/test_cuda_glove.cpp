// The CUDA GloVe kernel (cuda/glove.cu) against its CPU twin (models/glove_trainer.cpp). Records
// that share no word row and no context row give the same tables in any order, so the GPU's
// shuffled, concurrent epoch must equal the CPU's loop within float rounding (the dot
// product's order, logf and powf); and the kernel with one group in flight must equal the
// CPU's steps taken in the epoch's order, on records that share rows. Then both trainers learn the
// same relations from real text. The epoch order (a keyed permutation) and the host's input checks
// are tested here without a GPU; the rest is SKIPPED without one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include <ember/config.h>
#include <ember/cuda/glove.h>
#include <ember/data/cooccurrence.h>
#include <ember/data/vocab.h>
#include <ember/models/glove_trainer.h>

#include "related_words.h"
#include "testing.h"

namespace ember {
namespace {

// ---- on the host: the epoch order and the input checks ----

std::vector<uint64_t> order_of(uint64_t n, uint64_t seed, int64_t epoch) {
  const cuda::EpochOrder order(n, seed, epoch);
  std::vector<uint64_t> out(n);
  for (uint64_t i = 0; i < n; ++i) out[i] = order(i);
  return out;
}

TEST(CudaGloVe, EpochOrderIsAReproduciblePermutation) {
  for (uint64_t n : {1, 2, 3, 4, 5, 16, 17, 1000, 4096, 4097, 100003}) {
    std::vector<uint64_t> order = order_of(n, 7, 3);
    EXPECT_EQ(order, order_of(n, 7, 3)) << "n " << n;
    std::vector<uint64_t> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    std::vector<uint64_t> identity(n);
    std::iota(identity.begin(), identity.end(), uint64_t(0));
    EXPECT_EQ(sorted, identity) << "n " << n << ": not a permutation of [0, n)";
    if (n < 1000) continue;
    // Another epoch or seed gives another order, and an order is far from the identity.
    EXPECT_NE(order, order_of(n, 7, 4)) << "n " << n;
    EXPECT_NE(order, order_of(n, 8, 3)) << "n " << n;
    int64_t fixed = 0;
    for (uint64_t i = 0; i < n; ++i) fixed += order[i] == i;
    EXPECT_LT(fixed, int64_t(n / 100)) << "n " << n;
  }
}

TEST(CudaGloVe, BadRecordsRaiseOnTheHostBeforeAnyKernel) {
  models::GloVeOptions o;
  o.dim = 8;
  o.device = Device(kCUDA);
  models::GloVeTrainer trainer(4, o);
  const data::Cooccurrences bad_row({{0, 1, 1.0f}, {4, 0, 2.0f}});
  EXPECT_EMBER_ERROR(trainer.train(bad_row), "out of range for 4 words");
  const data::Cooccurrences bad_col({{0, -1, 1.0f}});
  EXPECT_EMBER_ERROR(trainer.train(bad_col), "out of range for 4 words");
  const data::Cooccurrences bad_value({{0, 1, 0.0f}});
  EXPECT_EMBER_ERROR(trainer.train(bad_value), "value <= 0");
}

#if EMBER_WITH_CUDA
// A launch must carry every pointer the kernel writes through, the progress line's cost
// counter too: checked on the host, before any kernel runs.
TEST(CudaGloVe, ALaunchWithoutItsCostCounterIsRefusedOnTheHost) {
  std::vector<float> rows(64, 0.0f);
  const std::vector<cuda::GloVeRecord> records(1);
  cuda::GloVeLaunch l{};
  l.records = records.data();
  l.num_records = 1;
  l.word = l.context = rows.data();
  l.S = 4;
  l.stride = 16;
  l.end = 1;
  EXPECT_EMBER_ERROR(cuda::glove_train(l), "cost counter");
}
#endif

// ---- on the GPU ----

TEST(CudaGloVe, RecordsOnDistinctRowsMatchTheCpuLoop) {
  EMBER_REQUIRE_CUDA();
  const int64_t V = 300;
  Generator gen(5);
  // Record i pairs word i with context perm[i]: every row of each side once per epoch.
  std::vector<int32_t> perm(V);
  std::iota(perm.begin(), perm.end(), 0);
  for (int64_t i = V - 1; i > 0; --i) std::swap(perm[size_t(i)], perm[gen.next_u32() % (i + 1)]);
  std::vector<data::CooccurrenceRecord> list;
  for (int64_t i = 0; i < V; ++i) {
    // values from 0.5 to 200, on both sides of x_max
    const float value = 0.5f + float(gen.next_u32() % 2000) / 10.0f;
    list.push_back({int32_t(i), perm[size_t(i)], value});
  }
  const data::Cooccurrences records(list);
  // dims 10, 30, 50, 100, 300: groups of 4, 8, 16, 32 lanes and 32 lanes with 3 float4 each
  for (int64_t dim : {10, 30, 50, 100, 300}) {
    for (double clip : {100.0, 1e-3}) {  // the default, and one that clips most entries
      models::GloVeOptions o;
      o.dim = dim;
      o.epochs = 3;
      o.grad_clip = clip;
      o.threads = 1;
      o.seed = 9;
      models::GloVeTrainer cpu(V, o);
      // Larger weights than the init so that the dot products matter.
      cpu.set_weights(randn({V, dim}, &gen) * 0.3, randn({V, dim}, &gen) * 0.3,
                      randn({V}, &gen) * 0.3, randn({V}, &gen) * 0.3);
      o.device = Device(kCUDA);
      models::GloVeTrainer gpu(V, o);
      gpu.load_state(cpu.state());
      cpu.train(records);
      gpu.train(records);
      const auto want = cpu.state(), got = gpu.state();
      for (const char* side : {"word", "context"})
        EXPECT_TRUE(testing::all_close(got.at(side), want.at(side), 1e-4, 1e-5))
            << side << " rows (vector, gradsq, biases), dim " << dim << ", clip " << clip;
    }
  }
}

#if EMBER_WITH_CUDA
// cuda::glove_train with one group trains the records one after another in the epoch's order:
// the CPU trainer's step() on the same records in that order must give the same tables, rows
// shared by many records included.
TEST(CudaGloVe, OneGroupReplaysTheCpuStepsInTheEpochOrder) {
  EMBER_REQUIRE_CUDA();
  const int64_t V = 40, N = 500;
  Generator gen(3);
  std::vector<data::CooccurrenceRecord> list;
  for (int64_t i = 0; i < N; ++i)
    list.push_back({int32_t(gen.next_u32() % V), int32_t(gen.next_u32() % V),
                    0.5f + float(gen.next_u32() % 2000) / 10.0f});
  std::vector<int32_t> bits(size_t(3 * N));
  std::memcpy(bits.data(), list.data(), bits.size() * sizeof(int32_t));
  const Device gpu(kCUDA);
  const Tensor records = tensor(bits, {N, 3}).to(gpu);
  for (int64_t dim : {10, 50, 100}) {
    models::GloVeOptions o;
    o.dim = dim;
    o.seed = 9;
    models::GloVeTrainer cpu(V, o);
    cpu.set_weights(randn({V, dim}, &gen) * 0.3, randn({V, dim}, &gen) * 0.3,
                    randn({V}, &gen) * 0.3, randn({V}, &gen) * 0.3);
    const auto start = cpu.state();
    Tensor word = start.at("word").to(gpu), context = start.at("context").to(gpu);
    Tensor cost = zeros({1}, TensorOptions(DType::kFloat64).device(gpu));
    const int64_t S = (dim + 15) / 16 * 16;
    ASSERT_EQ(word.size(1), 2 * S + 16);
    for (int64_t epoch = 0; epoch < 2; ++epoch) {
      cuda::GloVeLaunch l{};
      l.records = static_cast<const cuda::GloVeRecord*>(records.raw_data());
      l.num_records = N;
      l.begin = 0;
      l.end = N;
      l.word = static_cast<float*>(word.raw_data());
      l.context = static_cast<float*>(context.raw_data());
      l.S = S;
      l.stride = 2 * S + 16;
      l.eta = float(o.eta);
      l.x_max = float(o.x_max);
      l.alpha = float(o.alpha);
      l.grad_clip = float(o.grad_clip);
      l.seed = o.seed;
      l.epoch = epoch;
      l.cost_sum = static_cast<double*>(cost.raw_data());
      l.groups = 1;
      cuda::glove_train(l);
      const cuda::EpochOrder order(uint64_t(N), o.seed, epoch);
      for (int64_t i = 0; i < N; ++i) {
        const data::CooccurrenceRecord& r = list[size_t(order(uint64_t(i)))];
        cpu.step(r.row, r.col, r.value);
      }
    }
    const auto want = cpu.state();
    EXPECT_TRUE(testing::all_close(word.cpu(), want.at("word"), 1e-4, 1e-5)) << "dim " << dim;
    EXPECT_TRUE(testing::all_close(context.cpu(), want.at("context"), 1e-4, 1e-5)) << "dim " << dim;
  }
}
#endif

TEST(CudaGloVe, LearnsWhatTheCpuTrainerLearns) {
  EMBER_REQUIRE_CUDA();
  const std::string path = std::string(EMBER_TEST_DATA_DIR) + "/sotu_1250.txt";
  data::VocabularyOptions vo;
  vo.min_count = 5;
  const data::Vocabulary vocab = data::Vocabulary::build(path, vo);
  data::CooccurrenceOptions co;
  co.window = 10;
  data::Cooccurrences records = data::CooccurrenceBuilder(vocab, co).build(path);
  records.shuffle(1);
  models::GloVeOptions o;
  o.dim = 50;
  o.x_max = 10;  // a small corpus
  o.epochs = 15;
  o.threads = 2;
  models::GloVeTrainer cpu(vocab.size(), o);
  cpu.train(records);
  o.device = Device(kCUDA);
  models::GloVeTrainer gpu(vocab.size(), o);
  double last_cost = -1;
  gpu.train(records, [&](const models::TrainProgress& p) { last_cost = p.loss; });
  const Tensor cpu_vectors = cpu.vectors(), gpu_vectors = gpu.vectors();
  const double m_cpu =
      testing::related_margin([&](const char* w) { return cpu_vectors.select(0, vocab.find(w)); });
  const double m_gpu =
      testing::related_margin([&](const char* w) { return gpu_vectors.select(0, vocab.find(w)); });
  std::printf("glove: margin cpu %.3f gpu %.3f, last epoch's cost per record %.4f\n", m_cpu, m_gpu,
              last_cost);
  EXPECT_GT(last_cost, 0);
  EXPECT_GT(m_gpu, 0.25);
  EXPECT_GT(m_gpu, m_cpu - 0.1);
}

}  // namespace
}  // namespace ember
