// Helpers the tests share: closeness of tensors with a report of the worst element, and
// the check that an expression throws an ember::Error whose message names what it should.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include <ember/ember.h>

namespace ember::testing {

// Every element within atol + rtol * |expected|; prints the first that is not.
inline ::testing::AssertionResult all_close(const Tensor& actual, const Tensor& expected,
                                            double rtol = 1e-5, double atol = 1e-6) {
  if (actual.sizes() != expected.sizes())
    return ::testing::AssertionFailure() << "sizes differ: " << shape_str(actual.sizes()) << " vs "
                                         << shape_str(expected.sizes());
  std::vector<double> a = actual.to_dense().to_vector<double>();
  std::vector<double> e = expected.to_dense().to_vector<double>();
  for (size_t i = 0; i < a.size(); ++i) {
    bool both_nan = std::isnan(a[i]) && std::isnan(e[i]);
    bool same_inf = std::isinf(a[i]) && a[i] == e[i];
    if (both_nan || same_inf) continue;
    if (!(std::abs(a[i] - e[i]) <= atol + rtol * std::abs(e[i])))
      return ::testing::AssertionFailure()
             << "element " << i << ": " << a[i] << " vs expected " << e[i] << " (sizes "
             << shape_str(actual.sizes()) << ")";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace ember::testing

// Expects `statement` to throw ember::Error with `fragment` in its message.
#define EXPECT_EMBER_ERROR(statement, fragment)                                     \
  do {                                                                              \
    try {                                                                           \
      statement;                                                                    \
      ADD_FAILURE() << "expected ember::Error containing \"" << (fragment) << "\""; \
    } catch (const ::ember::Error& e) {                                             \
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)            \
          << "message was: " << e.what();                                           \
    }                                                                               \
  } while (0)

// Skips (and says so) when no GPU is present, so a CPU machine reports SKIPPED, not passed.
#define EMBER_REQUIRE_CUDA()                                                  \
  do {                                                                        \
    if (!::ember::cuda_is_available()) GTEST_SKIP() << "no CUDA GPU present"; \
  } while (0)
