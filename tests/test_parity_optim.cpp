// Parity with torch.optim: each case of tests/golden/optim_*.txt (written by
// make_golden_optim.py) runs the same optimizer on the same parameters and gradients, and
// every parameter must match PyTorch's after every step (float64 to ~1e-12).
#include <cmath>
#include <memory>

#include <ember/optim/optim.h>

#include "golden.h"

namespace ember {
namespace {

using golden::GoldenCase;

// The options a case sets, under `prefix` ("" for every group, "group1." for group 1).
void apply_options(const GoldenCase& c, const std::string& prefix, optim::ParamGroup& group) {
  auto real = [&](const char* key, double& field) {
    if (c.has(prefix + key)) field = c.real(prefix + key);
  };
  auto flag = [&](const char* key, bool& field) {
    if (c.has(prefix + key)) field = c.integer(prefix + key) != 0;
  };
  real("lr", group.lr);
  real("weight_decay", group.weight_decay);
  real("momentum", group.momentum);
  real("dampening", group.dampening);
  real("beta1", group.beta1);
  real("beta2", group.beta2);
  real("eps", group.eps);
  real("lr_decay", group.lr_decay);
  real("initial_accumulator_value", group.initial_accumulator_value);
  flag("nesterov", group.nesterov);
  flag("amsgrad", group.amsgrad);
  flag("maximize", group.maximize);
}

// The case's optimizer over the parameters of group 0, torch's defaults where it sets none.
std::unique_ptr<optim::Optimizer> make_optimizer(const GoldenCase& c,
                                                 const std::vector<Tensor>& params) {
  const std::string kind = c.text("optimizer");
  if (kind == "sgd") {
    optim::SGDOptions o(c.real("lr"));
    apply_options(c, "", o.group);
    return std::make_unique<optim::SGD>(params, o);
  }
  if (kind == "adam") {
    optim::AdamOptions o;
    apply_options(c, "", o.group);
    return std::make_unique<optim::Adam>(params, o);
  }
  if (kind == "adamw") {
    optim::AdamWOptions o;
    apply_options(c, "", o.group);
    return std::make_unique<optim::AdamW>(params, o);
  }
  if (kind == "sparse_adam") {
    optim::SparseAdamOptions o;
    apply_options(c, "", o.group);
    return std::make_unique<optim::SparseAdam>(params, o);
  }
  EMBER_CHECK(kind == "adagrad", c.where(), ": unknown optimizer ", kind);
  optim::AdagradOptions o;
  apply_options(c, "", o.group);
  return std::make_unique<optim::Adagrad>(params, o);
}

void check_optimizer_case(const GoldenCase& c) {
  std::map<std::string, Tensor> inputs, outputs;
  for (const auto& r : c.inputs) inputs[r.name] = r.value;
  for (const auto& r : c.outputs) outputs[r.name] = r.value;
  const Shape group_of = c.ints("group_of");
  std::vector<Tensor> params;
  std::vector<Tensor> groups[2];
  for (size_t i = 0; i < group_of.size(); ++i) {
    Tensor p = inputs.at("p" + std::to_string(i)).clone();
    p.requires_grad_(true);
    params.push_back(p);
    groups[group_of[i]].push_back(p);
  }
  std::unique_ptr<optim::Optimizer> opt = make_optimizer(c, groups[0]);
  if (!groups[1].empty()) {
    opt->add_param_group(groups[1]);
    apply_options(c, "group1.", opt->param_groups()[1]);
  }
  for (int64_t t = 0; t < c.integer("steps"); ++t) {
    const std::string step = "." + std::to_string(t);
    for (size_t i = 0; i < params.size(); ++i) {
      const std::string index = std::to_string(i);
      Tensor grad;
      if (inputs.count("grad" + index + step))
        grad = inputs.at("grad" + index + step);
      else if (inputs.count("ids" + index + step))
        grad = row_sparse(inputs.at("ids" + index + step), inputs.at("rows" + index + step),
                          params[i].sizes());
      params[i].set_grad(grad);
    }
    opt->step();
    for (size_t i = 0; i < params.size(); ++i) {
      const std::string name = "p" + std::to_string(i) + step;
      golden::expect_matches(c, name, params[i].detach(), outputs.at(name));
    }
  }
}

void check_optimizer_file(const std::string& file) {
  for (const GoldenCase& c : golden::read_golden(file)) {
    SCOPED_TRACE(c.where());
    try {
      check_optimizer_case(c);
    } catch (const std::exception& e) {
      ADD_FAILURE() << c.where() << ": ember threw: " << e.what();
    }
  }
}

TEST(OptimParity, SGD) { check_optimizer_file("optim_sgd"); }
TEST(OptimParity, Adam) { check_optimizer_file("optim_adam"); }
TEST(OptimParity, AdamW) { check_optimizer_file("optim_adamw"); }
TEST(OptimParity, SparseAdam) { check_optimizer_file("optim_sparse_adam"); }
TEST(OptimParity, Adagrad) { check_optimizer_file("optim_adagrad"); }

TEST(OptimParity, Schedules) {
  for (const GoldenCase& c : golden::read_golden("optim_schedules")) {
    SCOPED_TRACE(c.where());
    std::vector<Tensor> params;
    for (size_t g = 0; c.has("lr." + std::to_string(g)); ++g)
      params.push_back(zeros({1}, kFloat64).requires_grad_(true));
    optim::SGD sgd({params[0]}, c.real("lr.0"));
    for (size_t g = 1; g < params.size(); ++g)
      sgd.add_param_group({params[g]}, c.real("lr." + std::to_string(g)));
    std::unique_ptr<optim::LRScheduler> schedule;
    const std::string kind = c.text("schedule");
    if (kind == "step_lr")
      schedule = std::make_unique<optim::StepLR>(sgd, c.integer("step_size"), c.real("gamma"));
    else if (kind == "linear_lr" && c.has("start_factor"))
      schedule = std::make_unique<optim::LinearLR>(sgd, c.real("start_factor"),
                                                   c.real("end_factor"), c.integer("total_iters"));
    else if (kind == "linear_lr")
      schedule = std::make_unique<optim::LinearLR>(sgd);
    else if (kind == "lambda_lr")
      schedule = std::make_unique<optim::LambdaLR>(
          sgd, [decay = c.real("decay")](int64_t epoch) { return std::pow(decay, double(epoch)); });
    ASSERT_TRUE(schedule) << "unknown schedule " << kind;

    std::vector<std::vector<double>> history(params.size());
    for (int64_t t = 0; t <= c.integer("steps"); ++t) {
      if (t > 0) {
        sgd.step();
        schedule->step();
      }
      for (size_t g = 0; g < params.size(); ++g) {
        history[g].push_back(schedule->get_last_lr()[g]);
        EXPECT_EQ(sgd.param_groups()[g].lr, schedule->get_last_lr()[g]);
      }
    }
    for (const golden::Record& expected : c.outputs) {
      size_t g = std::stoul(expected.name.substr(3));
      Tensor actual = tensor(history[g], {int64_t(history[g].size())}, kFloat64);
      // Bit for bit: the chainable forms are PyTorch's arithmetic in the same order.
      EXPECT_TRUE(testing::all_close(actual, expected.value, 0.0, 0.0)) << expected.name;
    }
  }
}

}  // namespace
}  // namespace ember
