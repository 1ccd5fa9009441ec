// Differentiable elementwise ops. Each forward runs its kernel from tensor/ops/elementwise.cpp;
// the backward beside it maps g, the gradient of the output (the output's shape), to each
// input, summing over the dims that broadcasting repeated. A binary op computes a gradient
// only for the inputs that required one when it ran.
#include <ember/autograd/node.h>
#include <ember/nn/functional.h>
#include <ember/tensor/ops/elementwise.h>

namespace ember {

using autograd::record;
using Grads = std::vector<Tensor>;

// g summed down to an input's `sizes`: the gradient of broadcasting.
static Tensor unbroadcast(const Tensor& g, const Shape& sizes) {
  return g.sizes() == sizes ? g : sum_to(g, sizes);
}

// ---- binary arithmetic, broadcast: a [A], b [B], out and g [broadcast(A, B)] ----

// out = a + b; da = g, db = g.
Tensor add(const Tensor& a, const Tensor& b) {
  return record("AddBackward", ops::add(a, b), {a, b},
                [sa = a.sizes(), sb = b.sizes()](const Tensor& g) {
                  return Grads{unbroadcast(g, sa), unbroadcast(g, sb)};
                });
}

// out = a - b; da = g, db = -g.
Tensor sub(const Tensor& a, const Tensor& b) {
  return record("SubBackward", ops::sub(a, b), {a, b},
                [sa = a.sizes(), sb = b.sizes(), need_b = b.requires_grad()](const Tensor& g) {
                  return Grads{unbroadcast(g, sa), need_b ? unbroadcast(-g, sb) : Tensor()};
                });
}

// out = a * b; da = g * b, db = g * a.
Tensor mul(const Tensor& a, const Tensor& b) {
  return record("MulBackward", ops::mul(a, b), {a, b},
                [a, b, need_a = a.requires_grad(), need_b = b.requires_grad()](const Tensor& g) {
                  return Grads{need_a ? unbroadcast(g * b, a.sizes()) : Tensor(),
                               need_b ? unbroadcast(g * a, b.sizes()) : Tensor()};
                });
}

// out = a / b; da = g / b, db = -g * a / b^2.
Tensor div(const Tensor& a, const Tensor& b) {
  return record("DivBackward", ops::div(a, b), {a, b},
                [a, b, need_a = a.requires_grad(), need_b = b.requires_grad()](const Tensor& g) {
                  return Grads{need_a ? unbroadcast(g / b, a.sizes()) : Tensor(),
                               need_b ? unbroadcast(-g * a / (b * b), b.sizes()) : Tensor()};
                });
}

// ---- with a double operand: a [A], out and g [A] ----

Tensor add(const Tensor& a, double b) {
  return record("AddBackward", ops::add(a, ops::scalar_like(a, b, "add")), {a},
                [](const Tensor& g) { return Grads{g}; });
}

Tensor sub(const Tensor& a, double b) {
  return record("SubBackward", ops::sub(a, ops::scalar_like(a, b, "sub")), {a},
                [](const Tensor& g) { return Grads{g}; });
}

Tensor mul(const Tensor& a, double b) {
  return record("MulBackward", ops::mul(a, ops::scalar_like(a, b, "mul")), {a},
                [b](const Tensor& g) { return Grads{g * b}; });
}

Tensor div(const Tensor& a, double b) {
  return record("DivBackward", ops::div(a, ops::scalar_like(a, b, "div")), {a},
                [b](const Tensor& g) { return Grads{g / b}; });
}

// out = s / b; db = -g * out / b.
Tensor operator/(double s, const Tensor& b) {
  Tensor out = ops::div(ops::scalar_like(b, s, "div"), b);
  return record("DivBackward", out, {b},
                [b, y = out.detach()](const Tensor& g) { return Grads{-(g * y) / b}; });
}

// ---- pow: a [A], exponent [E] or a double, out and g [broadcast(A, E)] ----

// out = a^e; da = g * e * a^(e-1), and 0 when e == 0 (as PyTorch, even at a == 0).
Tensor pow(const Tensor& a, double exponent) {
  return record("PowBackward", ops::pow(a, exponent), {a}, [a, exponent](const Tensor& g) {
    if (exponent == 0.0) return Grads{zeros_like(g)};
    return Grads{g * pow(a, exponent - 1.0) * exponent};
  });
}

// out = a^b; da = g * b * a^(b-1) (0 where b == 0),
//            db = g * out * log(a) (0 where a == 0 and b >= 0, where log(a) is -inf).
Tensor pow(const Tensor& a, const Tensor& exponent) {
  Tensor out = ops::pow(a, exponent);
  return record("PowBackward", out, {a, exponent},
                [a, b = exponent, y = out.detach(), need_a = a.requires_grad(),
                 need_b = exponent.requires_grad()](const Tensor& g) {
                  Tensor grad_a, grad_b;
                  if (need_a) {
                    Tensor d = masked_fill(b * pow(a, b - 1.0), eq(b, 0.0), 0.0);
                    grad_a = unbroadcast(g * d, a.sizes());
                  }
                  if (need_b) {
                    Tensor d = y * log(a);
                    d = where(ge(b, 0.0), masked_fill(d, eq(a, 0.0), 0.0), d);
                    grad_b = unbroadcast(g * d, b.sizes());
                  }
                  return Grads{grad_a, grad_b};
                });
}

// ---- unary: a, out and g all [A] ----

// out = -a; da = -g.
Tensor neg(const Tensor& a) {
  return record("NegBackward", ops::neg(a), {a}, [](const Tensor& g) { return Grads{-g}; });
}

// out = e^a; da = g * out.
Tensor exp(const Tensor& a) {
  Tensor out = ops::exp(a);
  return record("ExpBackward", out, {a},
                [y = out.detach()](const Tensor& g) { return Grads{g * y}; });
}

// out = ln a; da = g / a.
Tensor log(const Tensor& a) {
  return record("LogBackward", ops::log(a), {a}, [a](const Tensor& g) { return Grads{g / a}; });
}

// out = sqrt(a); da = g / (2 out).
Tensor sqrt(const Tensor& a) {
  Tensor out = ops::sqrt(a);
  return record("SqrtBackward", out, {a},
                [y = out.detach()](const Tensor& g) { return Grads{g / (y * 2.0)}; });
}

// out = |a|; da = g * sign(a), so 0 at a == 0.
Tensor abs(const Tensor& a) {
  return record("AbsBackward", ops::abs(a), {a},
                [a](const Tensor& g) { return Grads{g * ops::sign(a)}; });
}

// out = 1 / (1 + e^-a); da = g * out * (1 - out).
Tensor sigmoid(const Tensor& a) {
  Tensor out = ops::sigmoid(a);
  return record("SigmoidBackward", out, {a},
                [y = out.detach()](const Tensor& g) { return Grads{ops::sigmoid_backward(g, y)}; });
}

// out = tanh(a); da = g * (1 - out^2).
Tensor tanh(const Tensor& a) {
  Tensor out = ops::tanh(a);
  return record("TanhBackward", out, {a},
                [y = out.detach()](const Tensor& g) { return Grads{ops::tanh_backward(g, y)}; });
}

// out = max(a, 0); da = g where out > 0, so 0 at a == 0.
Tensor relu(const Tensor& a) {
  Tensor out = ops::relu(a);
  return record("ReluBackward", out, {a},
                [y = out.detach()](const Tensor& g) { return Grads{ops::relu_backward(g, y)}; });
}

// out = log(sigmoid(a)); da = g * sigmoid(-a).
Tensor logsigmoid(const Tensor& a) {
  return record("LogSigmoidBackward", ops::logsigmoid(a), {a},
                [a](const Tensor& g) { return Grads{ops::logsigmoid_backward(g, a)}; });
}

// out = min(max(a, min), max); da = g where min <= a <= max, else 0.
Tensor clamp(const Tensor& a, std::optional<double> min, std::optional<double> max) {
  return record("ClampBackward", ops::clamp(a, min, max), {a}, [a, min, max](const Tensor& g) {
    return Grads{ops::clamp_backward(g, a, min, max)};
  });
}

// ---- selection: condition/mask bool; they route g and get none themselves ----

// out = condition ? a : b, all broadcast; da = g where condition, db = g elsewhere.
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  return record("WhereBackward", ops::where(condition, a, b), {a, b},
                [condition, sa = a.sizes(), sb = b.sizes(), need_a = a.requires_grad(),
                 need_b = b.requires_grad()](const Tensor& g) {
                  Tensor zero = ops::scalar_like(g, 0.0, "where");
                  return Grads{need_a ? unbroadcast(ops::where(condition, g, zero), sa) : Tensor(),
                               need_b ? unbroadcast(ops::where(condition, zero, g), sb) : Tensor()};
                });
}

// out = mask ? value : a, a's shape; da = g where the mask is false.
Tensor masked_fill(const Tensor& a, const Tensor& mask, double value) {
  return record("MaskedFillBackward", ops::masked_fill(a, mask, value), {a},
                [mask](const Tensor& g) { return Grads{ops::masked_fill(g, mask, 0.0)}; });
}

// ---- comparisons: bool, no gradient ----

Tensor eq(const Tensor& a, const Tensor& b) { return ops::eq(a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return ops::ne(a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return ops::lt(a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return ops::le(a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return ops::gt(a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return ops::ge(a, b); }
Tensor eq(const Tensor& a, double b) { return ops::eq(a, b); }
Tensor ne(const Tensor& a, double b) { return ops::ne(a, b); }
Tensor lt(const Tensor& a, double b) { return ops::lt(a, b); }
Tensor le(const Tensor& a, double b) { return ops::le(a, b); }
Tensor gt(const Tensor& a, double b) { return ops::gt(a, b); }
Tensor ge(const Tensor& a, double b) { return ops::ge(a, b); }

}  // namespace ember
