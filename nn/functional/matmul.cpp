// Differentiable matrix products. mm and bmm record their backward; matmul is built from
// them and differentiable views, so its gradient (batch broadcasting summed back by
// expand's backward) comes from theirs.
#include <ember/autograd/node.h>
#include <ember/nn/functional.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/matmul.h>

namespace ember {

using autograd::record;
using Grads = std::vector<Tensor>;

// a is [M,K], b is [K,N], out = a b is [M,N]; grad_a = g b^T [M,K], grad_b = a^T g [K,N].
Tensor mm(const Tensor& a, const Tensor& b) {
  return record("MmBackward", ops::mm(a, b), {a, b}, [a, b](const Tensor& g) {
    Tensor grad_a = a.requires_grad() ? mm(g, ops::transpose(b, 0, 1)) : Tensor();
    Tensor grad_b = b.requires_grad() ? mm(ops::transpose(a, 0, 1), g) : Tensor();
    return Grads{grad_a, grad_b};
  });
}

// a is [B,M,K], b is [B,K,N], out is [B,M,N]; the mm formulas per batch item.
Tensor bmm(const Tensor& a, const Tensor& b) {
  return record("BmmBackward", ops::bmm(a, b), {a, b}, [a, b](const Tensor& g) {
    Tensor grad_a = a.requires_grad() ? bmm(g, ops::transpose(b, 1, 2)) : Tensor();
    Tensor grad_b = b.requires_grad() ? bmm(ops::transpose(a, 1, 2), g) : Tensor();
    return Grads{grad_a, grad_b};
  });
}

// a and b are [K]; out = sum_p a[p] b[p] is 0-d; grad_a = g b, grad_b = g a.
static Tensor dot(const Tensor& a, const Tensor& b) {
  Tensor out = ops::reshape(ops::mm(ops::unsqueeze(a, 0), ops::unsqueeze(b, 1)), {});
  return record("DotBackward", out, {a, b}, [a, b](const Tensor& g) {
    return Grads{a.requires_grad() ? mul(b, g) : Tensor(),
                 b.requires_grad() ? mul(a, g) : Tensor()};
  });
}

static Tensor expand_to(const Tensor& t, const Shape& sizes) {
  return t.sizes() == sizes ? t : expand(t, sizes);
}

// torch.matmul. a is [..., M, K] or [K]; b is [..., K, N] or [K]. A 1-D operand becomes a
// matrix for the product and its dim is dropped from the result; batch dims broadcast.
Tensor matmul(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.defined() && b.defined(), "matmul: got an undefined tensor");
  EMBER_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul: both arguments need at least 1 dim, got ",
              a.sizes(), " and ", b.sizes());
  const int64_t k = a.size(-1);
  const int64_t k_b = b.dim() == 1 ? b.size(0) : b.size(-2);
  EMBER_CHECK(k == k_b, "matmul: shapes ", a.sizes(), " and ", b.sizes(), " cannot be multiplied (",
              k, " != ", k_b, ")");
  if (a.dim() == 1 && b.dim() == 1) return dot(a, b);
  if (a.dim() == 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);  // [1,K] x b
  if (b.dim() == 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);  // a x [K,1]
  if (a.dim() == 2 && b.dim() == 2) return mm(a, b);
  const int64_t m = a.size(-2), n = b.size(-1);
  if (b.dim() == 2) {  // [..., M, K] x [K, N]: fold the batch into the rows of one mm
    Shape out_sizes = a.sizes();
    out_sizes.back() = n;
    const int64_t rows = shape_numel(Shape(a.sizes().begin(), a.sizes().end() - 1));
    return reshape(mm(reshape(a, {rows, k}), b), out_sizes);
  }
  Shape batch_a(a.sizes().begin(), a.sizes().end() - 2);
  Shape batch_b(b.sizes().begin(), b.sizes().end() - 2);
  Shape batch = broadcast_shapes(batch_a, batch_b, "matmul");
  const int64_t count = shape_numel(batch);
  Shape a_sizes = batch, b_sizes = batch, out_sizes = batch;
  a_sizes.insert(a_sizes.end(), {m, k});
  b_sizes.insert(b_sizes.end(), {k, n});
  out_sizes.insert(out_sizes.end(), {m, n});
  Tensor a3 = reshape(expand_to(a, a_sizes), {count, m, k});
  Tensor b3 = reshape(expand_to(b, b_sizes), {count, k, n});
  return reshape(bmm(a3, b3), out_sizes);
}

}  // namespace ember
