// F.embedding and F.embedding_bag: the lookups in tensor/ops/embedding.cpp, and their
// backward formulas — a dense [V, D] gradient or a row-sparse one (unique ids + rows).
#include <ember/nn/functional/embedding.h>

#include <ember/autograd/grad_mode.h>
#include <ember/autograd/node.h>
#include <ember/nn/functional.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/embedding.h>

namespace ember::nn::functional {

namespace {

std::optional<int64_t> wrap_padding_idx(std::optional<int64_t> padding_idx, int64_t rows,
                                        const char* op) {
  if (!padding_idx) return std::nullopt;
  int64_t p = *padding_idx;
  EMBER_CHECK(p >= -rows && p < rows, op, ": padding_idx ", p, " out of range for a table of ",
              rows, " rows");
  return p < 0 ? p + rows : p;
}

Tensor table_gradient(const Tensor& grad_rows, const Tensor& ids, int64_t rows,
                      std::optional<int64_t> padding_idx, bool scale_grad_by_freq, bool sparse,
                      const Tensor& row_scale, const Tensor& row_of = Tensor()) {
  return sparse ? ops::embedding_backward_sparse(grad_rows, ids, rows, padding_idx,
                                                 scale_grad_by_freq, row_scale, row_of)
                : ops::embedding_backward_dense(grad_rows, ids, rows, padding_idx,
                                                scale_grad_by_freq, row_scale, row_of);
}

}  // namespace

Tensor embedding(const Tensor& ids, const Tensor& weight, const EmbeddingOptions& options) {
  EMBER_CHECK(weight.dim() == 2, "embedding: weight must be 2-D [V, D], got sizes ",
              weight.sizes());
  const int64_t rows = weight.size(0), D = weight.size(1);
  auto padding_idx = wrap_padding_idx(options.padding_idx, rows, "embedding");
  if (options.max_norm) {
    NoGradGuard no_grad;
    ops::embedding_renorm_(weight, ids, *options.max_norm, options.norm_type);
  }
  // out [N..., D]; its gradient [N..., D] flows to the rows the ids picked.
  Tensor out = ops::embedding_forward(weight, ids);
  return autograd::record(options.sparse ? "EmbeddingBackward(sparse)" : "EmbeddingBackward", out,
                          {weight}, [ids, rows, D, padding_idx, options](const Tensor& grad) {
                            Tensor grad_rows = ops::contiguous(grad).view({-1, D});
                            return std::vector<Tensor>{table_gradient(
                                grad_rows, ids, rows, padding_idx, options.scale_grad_by_freq,
                                options.sparse, Tensor())};
                          });
}

Tensor embedding_bag(const Tensor& ids, const Tensor& weight, const Tensor& offsets,
                     const EmbeddingBagOptions& options, const Tensor& per_sample_weights) {
  EMBER_CHECK(weight.dim() == 2, "embedding_bag: weight must be 2-D [V, D], got sizes ",
              weight.sizes());
  EMBER_CHECK(!(options.sparse && options.mode == BagMode::kMax),
              "embedding_bag: mode max does not support sparse gradients (as in PyTorch)");
  const int64_t rows = weight.size(0);
  auto padding_idx = wrap_padding_idx(options.padding_idx, rows, "embedding_bag");
  ops::Bags bags = ops::make_bags(ids, offsets, options.include_last_offset, rows);
  if (options.max_norm) {
    NoGradGuard no_grad;
    ops::embedding_renorm_(weight, bags.ids, *options.max_norm, options.norm_type);
  }
  ops::BagResult r =
      ops::embedding_bag_forward(weight, bags, options.mode, per_sample_weights, padding_idx);
  Tensor psw = per_sample_weights.defined() ? per_sample_weights.detach() : Tensor();
  return autograd::record(
      "EmbeddingBagBackward", r.out, {weight, per_sample_weights},
      [bags, max_indices = r.max_indices, bag_size = r.bag_size, rows, padding_idx, options, psw,
       w = weight.detach()](const Tensor& grad) {
        if (options.mode == BagMode::kMax)
          return std::vector<Tensor>{ops::embedding_bag_max_backward(grad, max_indices, rows),
                                     Tensor()};
        // Each id n of bag b receives grad[b] times its weight: per_sample_weights[n] in sum
        // mode, 1 / (ids in b) in mean mode. The backward reads grad[bag_of[n]] in place.
        Tensor row_scale = options.mode == BagMode::kMean
                               ? ops::embedding_bag_mean_scale(bag_size, bags.bag_of, grad.dtype())
                               : psw;
        Tensor grad_weight =
            table_gradient(ops::contiguous(grad), bags.ids, rows, padding_idx,
                           options.scale_grad_by_freq, options.sparse, row_scale, bags.bag_of);
        Tensor grad_psw;
        if (psw.defined())
          grad_psw = ops::embedding_bag_psw_backward(grad, w, bags, padding_idx).view(psw.sizes());
        return std::vector<Tensor>{grad_weight, grad_psw};
      });
}

}  // namespace ember::nn::functional
