// The optimizers on GPU parameters (cuda/sgd.cu, adam.cu, adagrad.cu) against the same
// optimizers on CPU copies: several steps with fresh gradients each, dense and row-sparse,
// every option; Adam/AdamW update a group's parameters in one fused launch (sizes around
// the chunk boundary, an empty one, one without a gradient); float16 tables take
// SparseAdam/SGD/Adagrad row updates in float arithmetic. SKIPPED without a GPU.
#include "testing.h"

#include <functional>
#include <limits>
#include <memory>
#include <string>

#include <ember/nn/functional/embedding.h>
#include <ember/nn/functional/loss.h>
#include <ember/tensor/ops/copy.h>

namespace ember {
namespace {

using ::ember::testing::all_close;

using MakeOptimizer = std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>)>;

const Shape kParamSizes[] = {{5}, {3, 7}, {0, 4}, {4096}, {4097}, {70, 300}, {2, 3, 4}};

// Runs `steps` steps on CPU and GPU copies of the same parameters with the same dense
// gradients; compares parameters and every state buffer after each step.
void expect_dense_parity(const MakeOptimizer& make, const std::string& what, DType dtype,
                         int steps = 4, double tol = -1, int copies = 1) {
  if (tol < 0) tol = dtype == kFloat64 ? 1e-12 : 1e-5;  // float64's own precision
  Generator g(61);
  std::vector<Tensor> cpu, gpu;
  for (int copy = 0; copy < copies; ++copy)
    for (const Shape& s : kParamSizes) {
      Tensor p = randn(s, &g).to(dtype);
      cpu.push_back(p.clone().requires_grad_());
      gpu.push_back(p.cuda().requires_grad_());
    }
  std::unique_ptr<optim::Optimizer> on_cpu = make(cpu), on_gpu = make(gpu);
  for (int step = 0; step < steps; ++step) {
    for (size_t i = 0; i < cpu.size(); ++i) {
      if (i == 1 && step == 2) {  // a step where one parameter has no gradient
        cpu[i].set_grad(Tensor());
        gpu[i].set_grad(Tensor());
        continue;
      }
      Tensor grad = randn(cpu[i].sizes(), &g).to(dtype);
      cpu[i].set_grad(grad);
      gpu[i].set_grad(grad.cuda());
    }
    on_cpu->step();
    on_gpu->step();
    for (size_t i = 0; i < cpu.size(); ++i)
      ASSERT_TRUE(all_close(gpu[i].cpu(), cpu[i], tol, tol))
          << what << " " << dtype_name(dtype) << " step " << step << " param " << i << " "
          << shape_str(cpu[i].sizes());
  }
  optim::StateDict state_cpu = on_cpu->state_dict(), state_gpu = on_gpu->state_dict();
  ASSERT_EQ(state_cpu.size(), state_gpu.size()) << what;
  for (const auto& [key, value] : state_cpu)
    EXPECT_TRUE(all_close(state_gpu.at(key).cpu(), value, tol, tol)) << what << " state " << key;
}

TEST(CudaOptim, SgdMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  for (DType dtype : {kFloat32, kFloat64}) {
    expect_dense_parity([](std::vector<Tensor> p) { return std::make_unique<optim::SGD>(p, 0.1); },
                        "SGD", dtype);
    expect_dense_parity(
        [](std::vector<Tensor> p) {
          return std::make_unique<optim::SGD>(
              p, optim::SGDOptions(0.05).momentum(0.9).dampening(0.1).weight_decay(0.01));
        },
        "SGD momentum", dtype);
    expect_dense_parity(
        [](std::vector<Tensor> p) {
          return std::make_unique<optim::SGD>(
              p, optim::SGDOptions(0.05).momentum(0.9).nesterov(true).maximize(true));
        },
        "SGD nesterov maximize", dtype);
  }
}

TEST(CudaOptim, AdamAndAdamWMatchCpu) {
  EMBER_REQUIRE_CUDA();
  for (DType dtype : {kFloat32, kFloat64}) {
    expect_dense_parity(
        [](std::vector<Tensor> p) { return std::make_unique<optim::Adam>(p, 0.01); }, "Adam",
        dtype);
    expect_dense_parity(
        [](std::vector<Tensor> p) {
          return std::make_unique<optim::Adam>(
              p, optim::AdamOptions(0.01).weight_decay(0.1).amsgrad(true).betas(0.8, 0.9));
        },
        "Adam amsgrad weight_decay", dtype);
    expect_dense_parity(
        [](std::vector<Tensor> p) { return std::make_unique<optim::AdamW>(p, 0.01); }, "AdamW",
        dtype);
    expect_dense_parity(
        [](std::vector<Tensor> p) {
          return std::make_unique<optim::AdamW>(
              p, optim::AdamOptions(0.01).weight_decay(0.2).maximize(true).eps(1e-6));
        },
        "AdamW maximize", dtype);
    // 42 parameters: two launches (32 a launch).
    expect_dense_parity(
        [](std::vector<Tensor> p) { return std::make_unique<optim::Adam>(p, 0.01); },
        "Adam, 42 parameters", dtype, 4, -1, 6);
  }
}

TEST(CudaOptim, AdagradDenseMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  for (DType dtype : {kFloat32, kFloat64})
    expect_dense_parity(
        [](std::vector<Tensor> p) {
          return std::make_unique<optim::Adagrad>(p, optim::AdagradOptions(0.1)
                                                         .lr_decay(0.01)
                                                         .weight_decay(0.05)
                                                         .initial_accumulator_value(0.1));
        },
        "Adagrad", dtype);
}

// A [V, D] table updated from RowSparse gradients: unique sorted ids [K], rows [K, D]. The
// GPU table may be float16 (then compared loosely with a float32 CPU run from the same
// half values); rows outside the ids must not change at all.
void expect_sparse_parity(const MakeOptimizer& make, const std::string& what, DType gpu_dtype,
                          int steps = 5) {
  Generator g(62);
  const int64_t V = 300, D = 37;
  const DType cpu_dtype = gpu_dtype == kFloat16 ? kFloat32 : gpu_dtype;
  Tensor start = randn({V, D}, &g);
  if (gpu_dtype == kFloat16) start = start.half().to(kFloat32);  // representable in half
  start = start.to(cpu_dtype);
  Tensor cpu = start.clone().requires_grad_();
  Tensor gpu = start.to(gpu_dtype).cuda().requires_grad_();
  std::unique_ptr<optim::Optimizer> on_cpu = make({cpu}), on_gpu = make({gpu});
  const double tol = gpu_dtype == kFloat16 ? 3e-3 : gpu_dtype == kFloat64 ? 1e-12 : 1e-5;
  Tensor untouched_before = start.narrow(0, V - 10, 10).clone();  // ids never reach these
  for (int step = 0; step < steps; ++step) {
    Tensor ids = randint(0, V - 10, {40}, &g);  // repeats: row_sparse coalesces them
    Tensor rows = randn({40, D}, &g).to(cpu_dtype);
    Tensor grad_cpu = row_sparse(ids, rows, {V, D});
    Tensor grad_gpu = ops::to_dtype(grad_cpu, gpu_dtype);  // half rows for a half table
    cpu.set_grad(grad_cpu);
    gpu.set_grad(ops::to_device(grad_gpu, Device(kCUDA)));
    on_cpu->step();
    on_gpu->step();
    ASSERT_TRUE(all_close(gpu.cpu().to(cpu_dtype), cpu, tol, tol))
        << what << " " << dtype_name(gpu_dtype) << " step " << step;
  }
  EXPECT_TRUE(all_close(gpu.cpu().to(cpu_dtype).narrow(0, V - 10, 10), untouched_before, 0, 0))
      << what << ": rows without a gradient changed";
}

TEST(CudaOptim, RowSparseUpdatesMatchCpu) {
  EMBER_REQUIRE_CUDA();
  for (DType dtype : {kFloat32, kFloat64, kFloat16}) {
    expect_sparse_parity(
        [](std::vector<Tensor> p) { return std::make_unique<optim::SparseAdam>(p, 0.01); },
        "SparseAdam", dtype);
    expect_sparse_parity(
        [](std::vector<Tensor> p) {
          return std::make_unique<optim::SparseAdam>(
              p, optim::SparseAdamOptions(0.05).betas(0.5, 0.7).eps(1e-4));
        },
        "SparseAdam betas", dtype);
    expect_sparse_parity([](std::vector<Tensor> p) { return std::make_unique<optim::SGD>(p, 0.1); },
                         "sparse SGD", dtype);
    expect_sparse_parity(
        [](std::vector<Tensor> p) {
          return std::make_unique<optim::Adagrad>(p, optim::AdagradOptions(0.1).lr_decay(0.1));
        },
        "sparse Adagrad", dtype);
  }
}

// A float16 table on the GPU (storage half, arithmetic float) trained through autograd
// (lookup, sparse backward in float stored half) and SparseAdam, against a float32 CPU
// table starting from the same values.
TEST(CudaOptim, HalfEmbeddingTableTrainsLikeFloat) {
  EMBER_REQUIRE_CUDA();
  Generator g(64);
  const int64_t V = 50, D = 16;
  Tensor start = randn({V, D}, &g).half().to(kFloat32);
  Tensor w_cpu = start.clone().requires_grad_();
  Tensor w_gpu = start.half().cuda().requires_grad_();
  optim::SparseAdam on_cpu({w_cpu}, 0.01), on_gpu({w_gpu}, 0.01);
  nn::functional::EmbeddingOptions sparse;
  sparse.sparse = true;
  for (int step = 0; step < 4; ++step) {
    Tensor ids = randint(0, V, {64}, &g);
    Tensor target = randn({64, D}, &g);
    auto loss = [&](const Tensor& w, Device device) {
      return sum(mul(nn::functional::embedding(ids.to(device), w, sparse).to(kFloat32),
                     target.to(device)));
    };
    on_cpu.zero_grad();
    on_gpu.zero_grad();
    loss(w_cpu, Device(kCPU)).backward();
    loss(w_gpu, Device(kCUDA)).backward();
    ASSERT_TRUE(w_gpu.grad().is_row_sparse()) << "step " << step;
    EXPECT_EQ(w_gpu.grad().values().dtype(), kFloat16);
    EXPECT_TRUE(all_close(ops::to_dtype(w_gpu.grad(), kFloat32).to_dense().cpu(),
                          w_cpu.grad().to_dense(), 2e-3, 2e-3))
        << "gradient, step " << step;
    on_cpu.step();
    on_gpu.step();
    ASSERT_TRUE(all_close(w_gpu.cpu().to(kFloat32), w_cpu, 3e-3, 3e-3)) << "step " << step;
  }
  // The moments stay float32: (1 - beta2) g^2 would underflow in half.
  EXPECT_EQ(on_gpu.state_dict().at("state.0.0.exp_avg_sq").dtype(), kFloat32);
}

TEST(CudaOptim, ClipGradNormMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(65);
  for (double norm_type : {2.0, 1.0, 3.0, std::numeric_limits<double>::infinity()}) {
    std::vector<Tensor> cpu, gpu;
    for (const Shape& s : kParamSizes) {
      Tensor p = randn(s, &g), grad = mul(randn(s, &g), 3.0);
      cpu.push_back(p.clone().requires_grad_());
      gpu.push_back(p.cuda().requires_grad_());
      cpu.back().set_grad(grad.clone());
      gpu.back().set_grad(grad.cuda());
    }
    // A row-sparse gradient too.
    Tensor table = randn({20, 4}, &g);
    Tensor sparse = row_sparse(tensor({3, 7, 3}), randn({3, 4}, &g), {20, 4});
    cpu.push_back(table.clone().requires_grad_());
    gpu.push_back(table.cuda().requires_grad_());
    cpu.back().set_grad(sparse);
    gpu.back().set_grad(ops::to_device(sparse, Device(kCUDA)));
    const double total_cpu = optim::clip_grad_norm_(cpu, 1.0, norm_type);
    const double total_gpu = optim::clip_grad_norm_(gpu, 1.0, norm_type);
    EXPECT_NEAR(total_gpu, total_cpu, 1e-9 * total_cpu) << "norm_type " << norm_type;
    for (size_t i = 0; i < cpu.size(); ++i)
      EXPECT_TRUE(all_close(gpu[i].grad().to_dense().cpu(), cpu[i].grad().to_dense(), 1e-6, 1e-7))
          << "norm_type " << norm_type << " gradient " << i;
  }
}

TEST(CudaOptim, DenseUpdatesRejectFloat16) {
  EMBER_REQUIRE_CUDA();
  Tensor p = zeros({4}).half().cuda().requires_grad_();
  p.set_grad(zeros({4}).half().cuda());
  optim::Adam adam({p}, 0.1);
  EXPECT_EMBER_ERROR(adam.step(), "float16");
}

TEST(CudaOptim, TrainingStepOfASmallModelMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(63);
  Tensor x = randn({32, 10}, &g);
  Tensor target = randint(0, 4, {32}, &g);
  Tensor w1 = randn({10, 16}, &g), b1 = zeros({16}), w2 = randn({16, 4}, &g);
  auto train = [&](Device device) {
    std::vector<Tensor> params = {w1.to(device).requires_grad_(), b1.to(device).requires_grad_(),
                                  w2.to(device).requires_grad_()};
    optim::AdamW opt(params, 0.01);
    Tensor xs = x.to(device), ts = target.to(device);
    Tensor last;
    for (int step = 0; step < 5; ++step) {
      Tensor hidden = tanh(add(matmul(xs, params[0]), params[1]));
      last = nn::functional::cross_entropy(matmul(hidden, params[2]), ts);
      opt.zero_grad();
      last.backward();
      opt.step();
    }
    return std::make_pair(last.cpu(), params[2].cpu());
  };
  auto [loss_cpu, w_cpu] = train(Device(kCPU));
  auto [loss_gpu, w_gpu] = train(Device(kCUDA));
  EXPECT_TRUE(all_close(loss_gpu, loss_cpu, 1e-4, 1e-5));
  EXPECT_TRUE(all_close(w_gpu, w_cpu, 1e-4, 1e-5));
}

}  // namespace
}  // namespace ember
