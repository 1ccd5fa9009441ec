// cuda/elementwise.cu against tensor/ops/elementwise.cpp: every unary, binary, comparison,
// selection and fused-backward op on random inputs of several shapes (empty, one element,
// odd lengths that leave a tail after the vector loads, non-contiguous views, offsets that
// break vector alignment, broadcasting) in every dtype the op takes. SKIPPED without a GPU.
#include "testing.h"

#include <functional>
#include <string>

#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/elementwise.h>

namespace ember {
namespace {

using ::ember::testing::all_close;

// A view of `t` (CPU or GPU) by name: contiguous, transposed, sliced with a step, at an odd
// offset (so not 16-byte aligned), or expanded along a broadcast dim.
enum class Layout { kContiguous, kTransposed, kStrided, kOffset };
const Layout kLayouts[] = {Layout::kContiguous, Layout::kTransposed, Layout::kStrided,
                           Layout::kOffset};
const char* name(Layout l) {
  switch (l) {
    case Layout::kContiguous:
      return "contiguous";
    case Layout::kTransposed:
      return "transposed";
    case Layout::kStrided:
      return "strided";
    case Layout::kOffset:
      return "offset";
  }
  return "?";
}

// A 2-D [r, c] tensor laid out as `l`, with the same values and the same geometry (strides,
// offset) on the CPU and the GPU. Values: randn * scale + shift (times 10 for integers).
struct Pair {
  Tensor cpu, gpu;
};
Pair make(int64_t r, int64_t c, Layout l, Generator* g, DType dtype, double scale = 1.0,
          double shift = 0.0) {
  Tensor values = ops::add(ops::mul(randn({r, c}, g), scalar_tensor(scale)), scalar_tensor(shift));
  if (is_integral(dtype)) values = ops::mul(values, scalar_tensor(10.0));
  values = values.to(dtype);
  Tensor cpu;
  switch (l) {
    case Layout::kContiguous:
      cpu = values.clone();
      break;
    case Layout::kTransposed:  // strides (1, r)
      cpu = values.t().contiguous().t();
      break;
    case Layout::kStrided:  // every other column of a wider tensor
      cpu = zeros({r, 2 * c + 1}, dtype).slice(1, 1, 2 * c + 1, 2);
      cpu.copy_(values);
      break;
    case Layout::kOffset:  // starts one element into its storage: not 16-byte aligned
      cpu = zeros({r * c + 1}, dtype).slice(0, 1, r * c + 1).view({r, c});
      cpu.copy_(values);
      break;
  }
  const int64_t stored = int64_t(cpu.storage().nbytes() / element_size(dtype));
  Tensor gpu =
      cpu.as_strided({stored}, {1}, 0).cuda().as_strided(cpu.sizes(), cpu.strides(), cpu.offset());
  return {cpu, gpu};
}

struct Shape2 {
  int64_t r, c;
};
// Empty, one element, a length with a tail after packs of 4, a large one.
const Shape2 kShapes[] = {{0, 5}, {1, 1}, {3, 7}, {17, 33}, {256, 257}};

void expect_same(const Tensor& gpu, const Tensor& cpu, const std::string& what, double rtol,
                 double atol) {
  ASSERT_TRUE(gpu.is_cuda()) << what;
  EXPECT_EQ(gpu.dtype(), cpu.dtype()) << what;
  EXPECT_TRUE(all_close(gpu.cpu(), cpu, rtol, atol)) << what;
}

double rtol_for(DType dtype) { return dtype == kFloat64 ? 1e-12 : is_integral(dtype) ? 0 : 2e-6; }
double atol_for(DType dtype) { return dtype == kFloat64 ? 1e-12 : is_integral(dtype) ? 0 : 1e-6; }

using Unary = std::function<Tensor(const Tensor&)>;

TEST(CudaElementwise, UnaryMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  struct Op {
    const char* name;
    Unary f;
    bool floating_only;
    double scale, shift;  // input = randn * scale + shift (log and sqrt need x > 0)
  };
  const Op ops_[] = {
      {"neg", [](const Tensor& x) { return ops::neg(x); }, false, 1, 0},
      {"abs", [](const Tensor& x) { return ops::abs(x); }, false, 1, 0},
      {"sign", [](const Tensor& x) { return ops::sign(x); }, false, 1, 0},
      {"pow2", [](const Tensor& x) { return ops::pow(x, 2.0); }, true, 1, 0},
      {"pow1.5", [](const Tensor& x) { return ops::pow(x, 1.5); }, true, 1, 3},
      {"pow-1", [](const Tensor& x) { return ops::pow(x, -1.0); }, true, 1, 3},
      {"exp", [](const Tensor& x) { return ops::exp(x); }, true, 3, 0},
      {"log", [](const Tensor& x) { return ops::log(x); }, true, 1, 4},
      {"sqrt", [](const Tensor& x) { return ops::sqrt(x); }, true, 1, 4},
      {"sigmoid", [](const Tensor& x) { return ops::sigmoid(x); }, true, 5, 0},
      {"tanh", [](const Tensor& x) { return ops::tanh(x); }, true, 3, 0},
      {"relu", [](const Tensor& x) { return ops::relu(x); }, true, 1, 0},
      {"logsigmoid", [](const Tensor& x) { return ops::logsigmoid(x); }, true, 30, 0},
      {"clamp", [](const Tensor& x) { return ops::clamp(x, -1.0, 1.0); }, false, 1, 0},
      {"clamp_min", [](const Tensor& x) { return ops::clamp(x, 0.0, std::nullopt); }, false, 1, 0},
      {"clamp_max", [](const Tensor& x) { return ops::clamp(x, std::nullopt, 2.0); }, false, 1, 0},
  };
  Generator g(11);
  for (const Op& op : ops_)
    for (DType dtype : {kFloat32, kFloat64, kInt32, kInt64}) {
      if (op.floating_only && is_integral(dtype)) continue;
      for (const Shape2& s : kShapes)
        for (Layout l : kLayouts) {
          Pair x = make(s.r, s.c, l, &g, dtype, op.scale, op.shift);
          expect_same(op.f(x.gpu), op.f(x.cpu),
                      std::string(op.name) + " " + dtype_name(dtype) + " " + shape_str({s.r, s.c}) +
                          " " + name(l),
                      rtol_for(dtype) * 4, atol_for(dtype));
        }
    }
}

TEST(CudaElementwise, UnaryRejectsWhatTheCpuRejects) {
  EMBER_REQUIRE_CUDA();
  Tensor ints = arange(6).cuda();
  EXPECT_EMBER_ERROR(ops::exp(ints), "float32 or float64");
  EXPECT_EMBER_ERROR(ops::neg(zeros({3}).half().cuda()), "float16 is storage only");
  EXPECT_EMBER_ERROR(ops::clamp(ints, 0.5, std::nullopt), "not a whole number");
}

using Binary = std::function<Tensor(const Tensor&, const Tensor&)>;

struct BinaryOp {
  const char* name;
  Binary f;
  bool floating_only;
};

const BinaryOp kBinary[] = {
    {"add", [](const Tensor& a, const Tensor& b) { return ops::add(a, b); }, false},
    {"sub", [](const Tensor& a, const Tensor& b) { return ops::sub(a, b); }, false},
    {"mul", [](const Tensor& a, const Tensor& b) { return ops::mul(a, b); }, false},
    {"eq", [](const Tensor& a, const Tensor& b) { return ops::eq(a, b); }, false},
    {"ne", [](const Tensor& a, const Tensor& b) { return ops::ne(a, b); }, false},
    {"lt", [](const Tensor& a, const Tensor& b) { return ops::lt(a, b); }, false},
    {"le", [](const Tensor& a, const Tensor& b) { return ops::le(a, b); }, false},
    {"gt", [](const Tensor& a, const Tensor& b) { return ops::gt(a, b); }, false},
    {"ge", [](const Tensor& a, const Tensor& b) { return ops::ge(a, b); }, false},
    {"sigmoid_backward",
     [](const Tensor& a, const Tensor& b) { return ops::sigmoid_backward(a, b); }, true},
    {"tanh_backward", [](const Tensor& a, const Tensor& b) { return ops::tanh_backward(a, b); },
     true},
    {"relu_backward", [](const Tensor& a, const Tensor& b) { return ops::relu_backward(a, b); },
     true},
    {"logsigmoid_backward",
     [](const Tensor& a, const Tensor& b) { return ops::logsigmoid_backward(a, b); }, true},
    {"clamp_backward",
     [](const Tensor& a, const Tensor& b) { return ops::clamp_backward(a, b, -0.5, 0.5); }, true},
};

TEST(CudaElementwise, BinarySameShapeMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(12);
  for (const BinaryOp& op : kBinary)
    for (DType dtype : {kFloat32, kFloat64, kInt32, kInt64}) {
      if (op.floating_only && is_integral(dtype)) continue;
      for (const Shape2& s : kShapes)
        for (Layout la : kLayouts)
          for (Layout lb : {Layout::kContiguous, Layout::kStrided, Layout::kOffset}) {
            Pair a = make(s.r, s.c, la, &g, dtype), b = make(s.r, s.c, lb, &g, dtype);
            expect_same(op.f(a.gpu, b.gpu), op.f(a.cpu, b.cpu),
                        std::string(op.name) + " " + dtype_name(dtype) + " " +
                            shape_str({s.r, s.c}) + " " + name(la) + "/" + name(lb),
                        rtol_for(dtype), atol_for(dtype));
          }
    }
}

TEST(CudaElementwise, BinaryBroadcastMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(13);
  // (a sizes, b sizes): a row, a column, a 0-d scalar, leading dims, empty broadcasts.
  const std::pair<Shape, Shape> kPairs[] = {
      {{5, 7}, {7}},          {{5, 7}, {5, 1}}, {{5, 7}, {}},     {{}, {4, 9}}, {{2, 3, 4}, {3, 1}},
      {{1, 3, 1}, {4, 1, 6}}, {{0, 3}, {3}},    {{6, 1}, {1, 0}}, {{1000}, {}}, {{33, 1}, {1, 129}},
  };
  for (const BinaryOp& op : kBinary)
    for (DType dtype : {kFloat32, kFloat64, kInt64}) {
      if (op.floating_only && is_integral(dtype)) continue;
      for (const auto& [sa, sb] : kPairs) {
        Tensor a = randn(sa, &g), b = randn(sb, &g);
        if (is_integral(dtype)) {
          a = ops::mul(a, scalar_tensor(3.0));
          b = ops::mul(b, scalar_tensor(3.0));
        }
        a = a.to(dtype);
        b = b.to(dtype);
        expect_same(op.f(a.cuda(), b.cuda()), op.f(a, b),
                    std::string(op.name) + " " + dtype_name(dtype) + " " + shape_str(sa) +
                        " with " + shape_str(sb),
                    rtol_for(dtype), atol_for(dtype));
        // The expanded operand as an explicit stride-0 view, too.
        Shape out = broadcast_shapes(sa, sb, "test");
        expect_same(op.f(a.cuda().expand(out), b.cuda()), op.f(a.expand(out), b),
                    std::string(op.name) + " expanded " + shape_str(sa), rtol_for(dtype),
                    atol_for(dtype));
      }
    }
}

TEST(CudaElementwise, DivisionAndPowMatchCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(14);
  for (DType dtype : {kFloat32, kFloat64}) {
    Tensor a = randn({37, 41}, &g).to(dtype),
           b = ops::add(rand({37, 41}, &g), scalar_tensor(0.5)).to(dtype);
    expect_same(ops::div(a.cuda(), b.cuda()), ops::div(a, b), "div", rtol_for(dtype),
                atol_for(dtype));
    expect_same(ops::pow(b.cuda(), a.cuda()), ops::pow(b, a), "pow", 4 * rtol_for(dtype),
                atol_for(dtype));
    expect_same(ops::pow(b.cuda(), scalar_tensor(2.5).to(dtype).cuda()),
                ops::pow(b, scalar_tensor(2.5).to(dtype)), "pow scalar exponent",
                4 * rtol_for(dtype), atol_for(dtype));
  }
  // Integer division truncates toward zero, as on the CPU; a zero divisor raises.
  Tensor num = tensor({7, -7, 9, -9, 0, 5}), den = tensor({2, 2, -4, -4, 3, 5});
  expect_same(ops::div(num.cuda(), den.cuda()), ops::div(num, den), "int div", 0, 0);
  expect_same(ops::div(num.to(kInt32).cuda(), den.to(kInt32).cuda()),
              ops::div(num.to(kInt32), den.to(kInt32)), "int32 div", 0, 0);
  EXPECT_EMBER_ERROR(ops::div(num.cuda(), tensor({1, 0, 1, 1, 1, 1}).cuda()), "division by zero");
}

TEST(CudaElementwise, ComparisonsWithScalarsMatchCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(15);
  struct CompareValue {
    const char* name;
    Tensor (*f)(const Tensor&, double);
  };
  const CompareValue kOps[] = {{"eq", ops::eq}, {"ne", ops::ne}, {"lt", ops::lt},
                               {"le", ops::le}, {"gt", ops::gt}, {"ge", ops::ge}};
  for (const auto& [op_name, f] : kOps)
    for (DType dtype : {kFloat32, kFloat64, kInt32, kInt64})
      for (double value : {0.0, 0.5, -1.0, 0.1}) {
        Pair x = make(19, 23, Layout::kStrided, &g, dtype);
        expect_same(f(x.gpu, value), f(x.cpu, value),
                    std::string(op_name) + " " + dtype_name(dtype) + " " + std::to_string(value), 0,
                    0);
      }
  Tensor tenth = full({4}, 0.1, kFloat32);  // 0.1 rounds to float before comparing
  EXPECT_EQ(ops::eq(tenth.cuda(), 0.1).cpu().to_vector<bool>(),
            ops::eq(tenth, 0.1).to_vector<bool>());
}

TEST(CudaElementwise, WhereAndMaskedFillMatchCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(16);
  for (DType dtype : {kFloat32, kFloat64, kInt32, kInt64}) {
    Tensor cond = ops::gt(randn({6, 1, 8}, &g), scalar_tensor(0.0));
    Tensor a = randn({5, 8}, &g).to(dtype), b = randn({6, 5, 1}, &g).to(dtype);
    expect_same(ops::where(cond.cuda(), a.cuda(), b.cuda()), ops::where(cond, a, b),
                std::string("where ") + dtype_name(dtype), 0, 0);
    Tensor x = randn({7, 9}, &g).to(dtype);
    Tensor mask = ops::lt(randn({9}, &g), scalar_tensor(0.0));
    expect_same(ops::masked_fill(x.cuda(), mask.cuda(), -3.0), ops::masked_fill(x, mask, -3.0),
                std::string("masked_fill ") + dtype_name(dtype), 0, 0);
    expect_same(ops::masked_fill(x.t().cuda(), mask.view({9, 1}).cuda(), 2.0),
                ops::masked_fill(x.t(), mask.view({9, 1}), 2.0),
                std::string("masked_fill transposed ") + dtype_name(dtype), 0, 0);
  }
  EXPECT_EMBER_ERROR(ops::masked_fill(arange(4).cuda(),
                                      ops::gt(arange(4), scalar_tensor(1.0, kInt64)).cuda(), 0.5),
                     "not a whole number");
}

TEST(CudaElementwise, InPlaceAddAndScaleOnViewsMatchCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(17);
  Pair dst = make(31, 45, Layout::kTransposed, &g, kFloat32);
  Pair src = make(1, 45, Layout::kContiguous, &g, kFloat32);
  dst.cpu.add_(src.cpu, -0.25);
  dst.gpu.add_(src.gpu, -0.25);
  expect_same(dst.gpu, dst.cpu, "add_ broadcast into a transposed view", 1e-6, 1e-6);
  dst.cpu.mul_(3);
  dst.gpu.mul_(3);
  expect_same(dst.gpu, dst.cpu, "mul_ on a transposed view", 1e-6, 1e-6);
}

TEST(CudaElementwise, AutogradThroughElementwiseMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(18);
  Tensor x = randn({64, 33}, &g), y = randn({33}, &g);
  auto run = [&](Device device) {
    Tensor a = x.to(device).requires_grad_(), b = y.to(device).requires_grad_();
    Tensor z = mul(sigmoid(add(a, b)), tanh(relu(sub(a, b))));
    Tensor loss = sum(add(logsigmoid(z), pow(clamp(a, -1.0, 1.0), 2.0)));
    loss.backward();
    return std::make_tuple(loss.cpu(), a.grad().cpu(), b.grad().cpu());
  };
  auto [loss_cpu, ga_cpu, gb_cpu] = run(Device(kCPU));
  auto [loss_gpu, ga_gpu, gb_gpu] = run(Device(kCUDA));
  EXPECT_TRUE(all_close(loss_gpu, loss_cpu, 1e-5, 1e-5));
  EXPECT_TRUE(all_close(ga_gpu, ga_cpu, 1e-5, 1e-6));
  EXPECT_TRUE(all_close(gb_gpu, gb_cpu, 1e-5, 1e-6));
}

}  // namespace
}  // namespace ember
