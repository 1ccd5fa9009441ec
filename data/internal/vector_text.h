// Internal helpers of the vector file readers and writers (data/vectors*.cpp): a read-only
// mapped file, the number parser, and an atomic buffered writer. Internal: not installed.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <string>

namespace ember::data::detail {

// The whole file, mapped read-only; empty files have data() == nullptr. With `populate`
// every page is read in at once (MAP_POPULATE); without, pages are read as they are touched
// and release() gives back the ones a reader is done with.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path, bool populate = true);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const char* data() const { return data_; }
  const char* end() const { return data_ + size_; }
  int64_t size() const { return int64_t(size_); }
  // Drops the whole pages inside [begin, end) from this process's memory (they are read
  // again from the file if touched).
  void release(const char* begin, const char* end) const;

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

inline bool is_separator(char c) { return c == ' ' || c == '\t'; }
inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Parses the number at [p, end) up to the next separator as Python's float() followed by a
// float32 cast does: the correctly rounded double, then float. Returns the end of the number,
// or nullptr when [p, next separator) is not a number. Exact short decimals take Clinger's
// fast path (mantissa < 2^53, |exponent| <= 22: one exact double multiply or divide); all
// else goes to std::from_chars.
inline const char* parse_float(const char* p, const char* end, float* out) {
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  const char* start = p;
  bool negative = false;
  if (p < end && (*p == '-' || *p == '+')) negative = *p++ == '-';
  uint64_t mantissa = 0;
  int exponent = 0, significant = 0;
  bool any_digit = false;
  for (; p < end && unsigned(*p - '0') < 10; ++p, any_digit = true) {
    if (significant < 19) {
      mantissa = mantissa * 10 + uint64_t(*p - '0');
      significant += mantissa != 0;
    } else {
      ++exponent;
      significant = 20;  // digits dropped: not exact, take the slow path
    }
  }
  if (p < end && *p == '.') {
    for (++p; p < end && unsigned(*p - '0') < 10; ++p, any_digit = true) {
      if (significant < 19) {
        mantissa = mantissa * 10 + uint64_t(*p - '0');
        significant += mantissa != 0;
        --exponent;
      } else {
        significant = 20;
      }
    }
  }
  if (any_digit && p < end && (*p == 'e' || *p == 'E')) {
    const char* e = p + 1;
    bool e_negative = false;
    if (e < end && (*e == '-' || *e == '+')) e_negative = *e++ == '-';
    if (e < end && unsigned(*e - '0') < 10) {
      int value = 0;
      for (; e < end && unsigned(*e - '0') < 10; ++e)
        value = value < 100000 ? value * 10 + (*e - '0') : value;
      exponent += e_negative ? -value : value;
      p = e;
    }
  }
  if (any_digit && (p == end || is_space(*p)) && significant <= 19 &&
      mantissa <= (uint64_t(1) << 53) && exponent >= -22 && exponent <= 22) {
    double value = double(mantissa);
    value = exponent < 0 ? value / kPow10[-exponent] : value * kPow10[exponent];
    *out = float(negative ? -value : value);
    return p;
  }
  // Slow path: digits beyond the fast path, nan, inf. from_chars takes no '+' (nor "+-1").
  // A magnitude beyond double's range is an error here (Python would make it inf or 0).
  const char* q = start;
  if (q < end && *q == '+' && q + 1 < end && q[1] != '-') ++q;
  double value = 0;
  auto [next, error] = std::from_chars(q, end, value);
  if (error != std::errc() || (next != end && !is_space(*next))) return nullptr;
  *out = float(value);
  return next;
}

// Writes to path + ".tmp" through a large buffer; commit() fsyncs and renames it over
// `path`. Destroyed without commit(), it removes the temporary file.
class AtomicWriter {
 public:
  explicit AtomicWriter(std::string path);
  ~AtomicWriter();
  AtomicWriter(const AtomicWriter&) = delete;
  AtomicWriter& operator=(const AtomicWriter&) = delete;

  void write(const char* data, size_t n);
  void write(const std::string& s) { write(s.data(), s.size()); }
  void put(char c) {
    if (used_ == buffer_.size()) flush();
    buffer_[used_++] = c;
  }
  // Room for `n` bytes at the returned pointer; then advance(k) with k <= n.
  char* reserve(size_t n) {
    if (buffer_.size() - used_ < n) flush();
    return &buffer_[used_];
  }
  void advance(size_t n) { used_ += n; }
  void commit();

 private:
  void flush();
  [[noreturn]] void fail(const char* what) const;

  std::string path_, tmp_;
  std::FILE* file_ = nullptr;
  std::string buffer_;
  size_t used_ = 0;
  bool committed_ = false;
};

}  // namespace ember::data::detail
