#include <ember/autograd/engine.h>

#include <unordered_map>
#include <unordered_set>

#include <ember/autograd/grad_mode.h>
#include <ember/autograd/node.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/inplace.h>

namespace ember::autograd {

namespace {

// A gradient the leaf may keep: a fresh contiguous tensor nobody else holds.
Tensor owned(const Tensor& grad) {
  if (grad.is_row_sparse()) return grad;
  bool unique = grad.impl_ptr().use_count() == 1 && grad.storage().use_count() == 1;
  return unique && grad.is_contiguous() && grad.offset() == 0 ? grad : ops::clone(grad);
}

void accumulate_into_leaf(Meta& meta, const Tensor& grad) {
  if (!meta.requires_grad) return;
  if (!meta.grad.defined()) {
    meta.grad = owned(grad);
  } else if (!meta.grad.is_row_sparse() && !grad.is_row_sparse()) {
    ops::add_(meta.grad, grad);  // the leaf owns its .grad: add in place
  } else {
    meta.grad = accumulate(meta.grad, grad);
  }
}

}  // namespace

void backward(const Tensor& root, const Tensor& gradient, bool retain_graph) {
  EMBER_CHECK(root.requires_grad(),
              "backward: the tensor does not require grad and has no grad_fn");
  Tensor grad = gradient;
  if (!grad.defined()) {
    EMBER_CHECK(root.numel() == 1,
                "backward: a gradient can be implied only for a one-element "
                "output; got sizes ",
                root.sizes(), ", pass backward(gradient)");
    grad = ones_like(root);
  }
  EMBER_CHECK(grad.sizes() == root.sizes(), "backward: gradient sizes ", grad.sizes(),
              " do not match the output's ", root.sizes());
  NoGradGuard no_grad;
  const std::shared_ptr<Meta>& root_meta = autograd_meta(root);
  if (!root_meta->grad_fn) {
    accumulate_into_leaf(*root_meta, grad);
    return;
  }

  // 1. Find every node reachable from the root and count the edges into each.
  std::unordered_map<Node*, int> dependencies;
  std::unordered_set<Node*> seen{root_meta->grad_fn.get()};
  std::vector<Node*> stack{root_meta->grad_fn.get()};
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    for (const auto& input : node->inputs()) {
      if (!input || !input->grad_fn) continue;
      Node* next = input->grad_fn.get();
      ++dependencies[next];
      if (seen.insert(next).second) stack.push_back(next);
    }
  }

  // 2. Run each node once all its consumers have passed it their gradient.
  std::unordered_map<Node*, Tensor> pending{{root_meta->grad_fn.get(), grad}};
  std::vector<std::shared_ptr<Node>> ready{root_meta->grad_fn};
  while (!ready.empty()) {
    std::shared_ptr<Node> node = std::move(ready.back());
    ready.pop_back();
    Tensor grad_output = std::move(pending[node.get()]);
    pending.erase(node.get());
    std::vector<Tensor> grads;
    if (grad_output.defined()) grads = node->apply(grad_output, retain_graph);
    for (size_t i = 0; i < node->inputs().size(); ++i) {
      const std::shared_ptr<Meta>& input = node->inputs()[i];
      if (!input) continue;
      const Tensor& g = i < grads.size() ? grads[i] : Tensor();
      if (!input->grad_fn) {
        if (g.defined()) accumulate_into_leaf(*input, g);
        continue;
      }
      Node* next = input->grad_fn.get();
      if (g.defined()) pending[next] = accumulate(pending[next], g);
      if (--dependencies[next] == 0) ready.push_back(input->grad_fn);
    }
  }
}

}  // namespace ember::autograd
