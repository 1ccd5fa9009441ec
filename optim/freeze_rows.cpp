#include <ember/optim/freeze_rows.h>

#include <ember/autograd/grad_mode.h>
#include <ember/tensor/ops/elementwise.h>
#include <ember/tensor/ops/index.h>

namespace ember::optim {

void zero_grad_rows_(const Tensor& param, const Tensor& frozen) {
  EMBER_CHECK(param.dim() >= 1 && frozen.dim() == 1 && frozen.size(0) == param.size(0),
              "zero_grad_rows_: frozen ", frozen.sizes(), " must have one entry per row of ",
              param.sizes());
  EMBER_CHECK(frozen.dtype() == kBool, "zero_grad_rows_: frozen must be bool, got ",
              frozen.dtype());
  EMBER_CHECK(frozen.device() == param.device(), "zero_grad_rows_: frozen is on ", frozen.device(),
              ", the parameter on ", param.device());
  Tensor grad = param.grad();
  if (!grad.defined()) return;
  NoGradGuard no_grad;
  // The mask of each gradient row, shaped to broadcast over the row: [K, 1, ...].
  Shape mask_sizes(size_t(param.dim()), 1);
  if (grad.is_row_sparse()) {
    Tensor values = grad.values();  // [K, ...], row k is param's row indices[k]
    mask_sizes[0] = values.size(0);
    values.copy_(ops::masked_fill(
        values, ops::index_select(frozen, 0, grad.indices()).view(mask_sizes), 0.0));
  } else {
    mask_sizes[0] = param.size(0);
    grad.copy_(ops::masked_fill(grad, frozen.view(mask_sizes), 0.0));
  }
}

}  // namespace ember::optim
