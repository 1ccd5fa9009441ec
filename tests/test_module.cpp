// Module behaviour through the layers: dotted names of nested modules, train/eval reaching
// every child, zero_grad, state_dict and load_state_dict (strict errors, non-strict loads),
// buffers, and to(dtype) keeping the handles that layers hold valid.
#include <ember/nn/nn.h>

#include "testing.h"

namespace ember {
namespace {

using testing::all_close;

// Linear -> (Linear -> LayerNorm -> Dropout), plus a buffer at the top.
struct Net : nn::Module {
  std::shared_ptr<nn::Linear> input;
  std::shared_ptr<nn::Sequential> block;
  std::shared_ptr<nn::Dropout> dropout;
  Tensor steps;

  Net() : Module("Net") {
    input = register_module("input", std::make_shared<nn::Linear>(3, 4));
    dropout = std::make_shared<nn::Dropout>(0.5);
    block = register_module("block", std::make_shared<nn::Sequential>(
                                         std::initializer_list<std::shared_ptr<nn::Module>>{
                                             std::make_shared<nn::Linear>(4, 2),
                                             std::make_shared<nn::LayerNorm>(Shape{2}), dropout}));
    steps = register_buffer("steps", zeros({1}, kInt64));
  }
  Tensor forward(const Tensor& x) override { return block->forward(input->forward(x)); }
};

std::vector<std::string> names_of(const std::vector<std::pair<std::string, Tensor>>& named) {
  std::vector<std::string> names;
  for (const auto& [name, _] : named) names.push_back(name);
  return names;
}

TEST(Module, NestedSequentialHasDottedNames) {
  Net net;
  EXPECT_EQ(names_of(net.named_parameters()),
            (std::vector<std::string>{"input.weight", "input.bias", "block.0.weight",
                                      "block.0.bias", "block.1.weight", "block.1.bias"}));
  EXPECT_EQ(names_of(net.named_buffers()), (std::vector<std::string>{"steps"}));
  EXPECT_EQ(net.num_parameters(), 3 * 4 + 4 + 4 * 2 + 2 + 2 + 2);
  std::vector<std::string> modules;
  for (auto& [name, _] : net.named_modules()) modules.push_back(name);
  EXPECT_EQ(modules,
            (std::vector<std::string>{"", "input", "block", "block.0", "block.1", "block.2"}));
  nn::StateDict state = net.state_dict();
  EXPECT_EQ(state.size(), 7u);
  EXPECT_TRUE(state.count("block.1.weight"));
  EXPECT_TRUE(state.count("steps"));
}

TEST(Module, TrainAndEvalReachEveryChild) {
  Net net;
  net.eval();
  for (auto& [name, m] : net.named_modules()) EXPECT_FALSE(m->is_training()) << name;
  Tensor x = randn({5, 3});
  EXPECT_TRUE(all_close(net(x), net(x), 0, 0));  // dropout off: deterministic
  net.train();
  for (auto& [name, m] : net.named_modules()) EXPECT_TRUE(m->is_training()) << name;
  EXPECT_TRUE(net.dropout->is_training());
}

TEST(Module, ZeroGradClearsEveryGradient) {
  Net net;
  net.eval();
  sum(pow(net(randn({5, 3})), 2.0)).backward();
  for (auto& [name, p] : net.named_parameters()) EXPECT_TRUE(p.grad().defined()) << name;
  net.zero_grad();
  for (auto& [name, p] : net.named_parameters()) EXPECT_FALSE(p.grad().defined()) << name;
}

TEST(Module, LoadStateDictCopiesValuesIntoTheSameHandles) {
  Net source, target;
  Tensor weight_handle = target.input->weight;
  target.load_state_dict(source.state_dict());
  for (auto& [name, t] : source.state_dict())
    EXPECT_TRUE(all_close(target.state_dict().at(name), t, 0, 0)) << name;
  EXPECT_TRUE(weight_handle.is_same(target.input->weight));
  EXPECT_TRUE(all_close(weight_handle, source.input->weight, 0, 0));
  EXPECT_TRUE(target.input->weight.requires_grad());
}

TEST(Module, StrictLoadListsMissingUnexpectedAndMisShapedKeys) {
  Net net;
  nn::StateDict state = net.state_dict();
  state.erase("input.bias");
  state.erase("block.0.weight");
  state["extra.weight"] = zeros({2});
  EXPECT_EMBER_ERROR(net.load_state_dict(state),
                     "missing keys [input.bias, block.0.weight], unexpected keys [extra.weight]");
  nn::StateDict mis_shaped = net.state_dict();
  mis_shaped["block.1.bias"] = zeros({3});
  EXPECT_EMBER_ERROR(net.load_state_dict(mis_shaped),
                     "size mismatch for block.1.bias (checkpoint [3], model [2])");
  EXPECT_EMBER_ERROR(net.load_state_dict(mis_shaped, false), "size mismatch for block.1.bias");
}

TEST(Module, NonStrictLoadTakesWhatMatches) {
  Net net;
  Tensor old_bias = net.input->bias.detach().clone();
  nn::StateDict partial = {{"input.weight", ones({4, 3})}, {"unknown", zeros({1})}};
  net.load_state_dict(partial, /*strict=*/false);
  EXPECT_TRUE(all_close(net.input->weight, ones({4, 3}), 0, 0));
  EXPECT_TRUE(all_close(net.input->bias, old_bias, 0, 0));
}

TEST(Module, ToFloat64KeepsMemberHandlesValid) {
  Net net;
  Tensor held = net.input->weight;
  net.to(kFloat64);
  EXPECT_EQ(net.input->weight.dtype(), kFloat64);
  EXPECT_EQ(held.dtype(), kFloat64);  // the handle held elsewhere sees it too
  EXPECT_TRUE(held.is_same(net.input->weight));
  EXPECT_TRUE(net.input->weight.requires_grad());
  EXPECT_EQ(net.steps.dtype(), kInt64);  // integer buffers stay as they are
  auto block_norm = std::dynamic_pointer_cast<nn::LayerNorm>((*net.block)[1]);
  ASSERT_TRUE(block_norm);
  EXPECT_EQ(block_norm->weight.dtype(), kFloat64);
  net.eval();
  Tensor out = net(randn({2, 3}, nullptr, kFloat64));
  EXPECT_EQ(out.dtype(), kFloat64);
  sum(out).backward();
  EXPECT_EQ(held.grad().dtype(), kFloat64);
}

TEST(Module, RegistrationErrors) {
  struct Bad : nn::Module {
    Bad() : Module("Bad") {}
    void add(const std::string& name) { register_parameter(name, zeros({1})); }
  };
  Bad bad;
  bad.add("w");
  EXPECT_EMBER_ERROR(bad.add("w"), "member 'w' is already registered");
  EXPECT_EMBER_ERROR(bad.add("a.b"), "invalid member name 'a.b'");
  EXPECT_EMBER_ERROR(bad.forward(zeros({1})), "Bad: this module has no forward(Tensor)");
}

}  // namespace
}  // namespace ember
