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
}  // namespace ember

#define EMBER_CHECK(cond, ...)                                            \
  do {                                                                    \
    if (!(cond)) throw ::ember::Error(::ember::detail::str(__VA_ARGS__)); \
  } while (0)

#define EMBER_FAIL(...) throw ::ember::Error(::ember::detail::str(__VA_ARGS__))
