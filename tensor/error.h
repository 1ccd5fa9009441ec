// ember::Error and EMBER_CHECK: every misuse raises an Error whose message names the op
// and the shapes, dtypes or index at fault.
#pragma once

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace ember {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {

template <typename T>
void append(std::ostream& os, const T& value) {
  os << value;
}

// Shapes print as PyTorch prints them: [2, 3].
inline void append(std::ostream& os, const std::vector<int64_t>& shape) {
  os << '[';
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  os << ']';
}

template <typename... Args>
std::string str(const Args&... args) {
  std::ostringstream os;
  (append(os, args), ...);
  return os.str();
}

}  // namespace detail

// a * b into *out for sizes computed from input (headers, metadata, options); false (and
// *out meaningless) when the product of the non-negative a and b does not fit in int64_t.
inline bool checked_mul(int64_t a, int64_t b, int64_t* out) {
  return a >= 0 && b >= 0 && !__builtin_mul_overflow(a, b, out);
}

}  // namespace ember

#define EMBER_CHECK(cond, ...)                                            \
  do {                                                                    \
    if (!(cond)) throw ::ember::Error(::ember::detail::str(__VA_ARGS__)); \
  } while (0)

#define EMBER_FAIL(...) throw ::ember::Error(::ember::detail::str(__VA_ARGS__))
