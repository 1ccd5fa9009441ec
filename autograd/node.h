// The autograd graph. Each differentiable op's output carries a Node: the backward formula
// of that op (a lambda written beside its forward) and edges to its inputs' autograd Meta.
//
//   Tensor mul(const Tensor& a, const Tensor& b) {
//     Tensor out = ops::mul(a, b);
//     return autograd::record("MulBackward", out, {a, b}, [a, b](const Tensor& grad) {
//       return std::vector<Tensor>{sum_to(grad * b, a.sizes()), sum_to(grad * a, b.sizes())};
//     });
//   }
//
// Backward lambdas run with grad mode off. They may capture inputs by value; they must
// capture the op's own output only as out.detach(), or the output would own itself.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <ember/tensor/tensor.h>

namespace ember::autograd {

// Per-tensor autograd state (requires_grad, grad, grad_fn), held by the tensor.
using Meta = AutogradMeta;

class Node {
 public:
  // Given the gradient of the op's output, returns one gradient per input, in the order
  // the inputs were recorded; an undefined Tensor means "no gradient for this input".
  using Backward = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

  Node(std::string name, std::vector<std::shared_ptr<Meta>> inputs, std::vector<Shape> input_sizes,
       Backward backward)
      : name_(std::move(name)),
        inputs_(std::move(inputs)),
        input_sizes_(std::move(input_sizes)),
        backward_(std::move(backward)) {}

  // Frees the chain of nodes behind this one with an explicit stack: the destructor of a
  // 100,000-step graph must not recurse 100,000 deep either.
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const std::string& name() const { return name_; }
  const std::vector<std::shared_ptr<Meta>>& inputs() const { return inputs_; }
  const Shape& input_sizes(size_t i) const { return input_sizes_[i]; }
  bool released() const { return !backward_; }

  // Runs the formula; unless retain_graph, frees what it saved (a second call then fails).
  std::vector<Tensor> apply(const Tensor& grad_output, bool retain_graph);

 private:
  // Drops the saved tensors and edges, moving onto `stack` each input node that nothing
  // else holds, so the caller frees it without recursion.
  void release_into(std::vector<std::shared_ptr<Node>>& stack);

  std::string name_;
  std::vector<std::shared_ptr<Meta>> inputs_;  // nullptr where the input needs no grad
  std::vector<Shape> input_sizes_;
  Backward backward_;
};

// Attaches a Node named `name` to `out` when grad mode is on and any input requires grad;
// returns `out` either way.
Tensor record(const char* name, Tensor out, const std::vector<Tensor>& inputs,
              Node::Backward backward);

// Gradient accumulation shared by the engine and leaves: dense + dense, row-sparse +
// row-sparse (stays row-sparse, coalesced), and mixes (become dense). Returns the sum: `sum`
// itself, added to in place, when it is dense and nothing else holds or views it (the
// caller's reference aside); else a new tensor.
Tensor accumulate(const Tensor& sum, const Tensor& grad);

}  // namespace ember::autograd
