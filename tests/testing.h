// Helpers the tests share: closeness of tensors with a report of the worst element, and
// the check that an expression throws an ember::Error whose message names what it should.
#pragma once

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <cmath>
#include <csignal>
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

// While alive, writes that would make a file of this process longer than `bytes` fail
// (EFBIG, SIGXFSZ ignored): a disk-full error injected into any writer, even for root.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    std::signal(SIGXFSZ, SIG_IGN);
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() { ::setrlimit(RLIMIT_FSIZE, &saved_); }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_;
};

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
