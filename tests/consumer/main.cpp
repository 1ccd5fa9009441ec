// Trains y = 3x - 1 with autograd through the installed ember package.
#include <cstdio>

#include <ember/ember.h>

int main() {
  ember::Generator gen(0);
  ember::Tensor x = ember::randn({64, 1}, &gen);
  ember::Tensor y = x * 3.0 - 1.0;
  ember::Tensor w = ember::zeros({1, 1}).requires_grad_();
  ember::Tensor b = ember::zeros({1}).requires_grad_();
  for (int step = 0; step < 200; ++step) {
    ember::Tensor loss = ember::mean(ember::pow(ember::matmul(x, w) + b - y, 2.0));
    loss.backward();
    ember::NoGradGuard no_grad;
    w.add_(w.grad(), -0.1);
    b.add_(b.grad(), -0.1);
    w.set_grad(ember::Tensor());
    b.set_grad(ember::Tensor());
  }
  float wv = w.item<float>(), bv = b.item<float>();
  std::printf("consumer: w = %.4f, b = %.4f\n", wv, bv);
  return (wv > 2.99f && wv < 3.01f && bv > -1.01f && bv < -0.99f) ? 0 : 1;
}
