// Tensor's in-place methods. They write through views into shared storage and record no
// graph, so they refuse a tensor that requires grad while grad mode is on.
#include <ember/autograd/grad_mode.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/inplace.h>
#include <ember/tensor/ops/row_sparse.h>

namespace ember {

static void check_inplace(const Tensor& t, const char* op) {
  EMBER_CHECK(!(GradMode::is_enabled() && t.requires_grad()), op,
              ": a tensor that requires grad cannot be modified in place while grad mode is on; "
              "wrap the update in NoGradGuard");
}

Tensor& Tensor::fill_(double value) {
  check_inplace(*this, "fill_");
  ops::fill_(*this, value);
  return *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
  check_inplace(*this, "copy_");
  ops::copy_(*this, src);
  return *this;
}

Tensor& Tensor::add_(const Tensor& other, double alpha) {
  check_inplace(*this, "add_");
  if (other.is_row_sparse()) {
    ops::add_row_sparse_to_dense_(*this, other, alpha);
  } else {
    ops::add_(*this, other, alpha);
  }
  return *this;
}

Tensor& Tensor::mul_(double value) {
  check_inplace(*this, "mul_");
  ops::mul_(*this, value);
  return *this;
}

}  // namespace ember
