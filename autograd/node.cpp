#include <ember/autograd/node.h>

#include <ember/autograd/grad_mode.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/inplace.h>
#include <ember/tensor/ops/row_sparse.h>

namespace ember::autograd {

namespace {

const std::string& node_name(const Node& node) { return node.name(); }

// Tensor printing asks a grad_fn's name through tensor/'s grad_fn_name (tensor/tensor.h says
// why); this file is linked wherever a Node exists, since record() below makes every one.
[[maybe_unused]] const bool kNodeNameSet = (grad_fn_name = node_name, true);

}  // namespace

void Node::release_into(std::vector<std::shared_ptr<Node>>& stack) {
  backward_ = nullptr;  // first: captured inputs let go of their Meta
  for (std::shared_ptr<Meta>& meta : inputs_) {
    if (meta && meta.use_count() == 1 && meta->grad_fn) stack.push_back(std::move(meta->grad_fn));
    meta.reset();
  }
}

Node::~Node() {
  std::vector<std::shared_ptr<Node>> stack;
  release_into(stack);
  while (!stack.empty()) {
    std::shared_ptr<Node> node = std::move(stack.back());
    stack.pop_back();
    if (node.use_count() == 1) node->release_into(stack);
  }  // each node dies here with nothing left behind it
}

std::vector<Tensor> Node::apply(const Tensor& grad_output, bool retain_graph) {
  EMBER_CHECK(backward_, "backward: trying to backward through ", name_,
              " a second time; its saved tensors were freed after the first backward. "
              "Pass retain_graph=true to the first backward to keep them.");
  std::vector<Tensor> grads = backward_(grad_output);
  if (!retain_graph) backward_ = nullptr;
  EMBER_CHECK(grads.size() == inputs_.size(), name_, ": backward returned ", grads.size(),
              " gradients for ", inputs_.size(), " inputs");
  for (size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].defined() || !inputs_[i]) continue;
    EMBER_CHECK(grads[i].sizes() == input_sizes_[i], name_, ": gradient for input ", i,
                " has sizes ", grads[i].sizes(), " but the input has ", input_sizes_[i]);
  }
  return grads;
}

Tensor record(const char* name, Tensor out, const std::vector<Tensor>& inputs,
              Node::Backward backward) {
  if (!GradMode::is_enabled()) return out;
  bool any = false;
  for (const Tensor& t : inputs) any = any || (t.defined() && t.requires_grad());
  if (!any) return out;
  std::vector<std::shared_ptr<Meta>> edges;
  std::vector<Shape> sizes;
  for (const Tensor& t : inputs) {
    bool needs = t.defined() && t.requires_grad();
    edges.push_back(needs ? autograd_meta(t) : nullptr);
    sizes.push_back(t.defined() ? t.sizes() : Shape{});
  }
  EMBER_CHECK(!out.impl().autograd || !out.impl().autograd->grad_fn, name,
              ": output already has a grad_fn");
  const auto& meta = autograd_meta(out);
  meta->requires_grad = true;
  meta->grad_fn =
      std::make_shared<Node>(name, std::move(edges), std::move(sizes), std::move(backward));
  return out;
}

// A dense sum that nothing else holds or views (the engine's pending gradient of a node
// with many consumers, an LSTM's W_hh^T with one per step) may be added to in place.
static bool owned_dense(const Tensor& t) {
  return !t.is_row_sparse() && t.impl_ptr().use_count() == 1 && t.storage().use_count() == 1 &&
         t.is_contiguous() && t.offset() == 0 && !t.requires_grad();
}

Tensor accumulate(const Tensor& sum, const Tensor& grad) {
  if (!sum.defined()) return grad;
  if (!grad.defined()) return sum;
  if (sum.is_row_sparse() && grad.is_row_sparse()) return ops::add_row_sparse(sum, grad);
  if (owned_dense(sum) && sum.dtype() == grad.dtype() && sum.sizes() == grad.sizes()) {
    if (grad.is_row_sparse()) {
      ops::add_row_sparse_to_dense_(sum, grad);
    } else {
      ops::add_(sum, grad);
    }
    return sum;
  }
  Tensor dense = sum.is_row_sparse() ? ops::to_dense(sum) : ops::clone(sum);
  if (grad.is_row_sparse()) {
    ops::add_row_sparse_to_dense_(dense, grad);
  } else {
    ops::add_(dense, grad);
  }
  return dense;
}

}  // namespace ember::autograd
