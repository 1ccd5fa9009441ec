// Element types and the one switch that turns a runtime DType into a C++ type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>

#include <ember/tensor/error.h>
#include <ember/tensor/half.h>

namespace ember {

enum class DType : uint8_t { kFloat32, kFloat64, kFloat16, kInt32, kInt64, kBool };

constexpr DType kFloat32 = DType::kFloat32;
constexpr DType kFloat64 = DType::kFloat64;
constexpr DType kFloat16 = DType::kFloat16;
constexpr DType kInt32 = DType::kInt32;
constexpr DType kInt64 = DType::kInt64;
constexpr DType kBool = DType::kBool;
constexpr DType kFloat = kFloat32;
constexpr DType kDouble = kFloat64;
constexpr DType kHalf = kFloat16;
constexpr DType kInt = kInt32;
constexpr DType kLong = kInt64;

inline size_t element_size(DType dtype) {
  switch (dtype) {
    case kFloat32:
      return 4;
    case kFloat64:
      return 8;
    case kFloat16:
      return 2;
    case kInt32:
      return 4;
    case kInt64:
      return 8;
    case kBool:
      return 1;
  }
  return 0;
}

inline const char* dtype_name(DType dtype) {
  switch (dtype) {
    case kFloat32:
      return "float32";
    case kFloat64:
      return "float64";
    case kFloat16:
      return "float16";
    case kInt32:
      return "int32";
    case kInt64:
      return "int64";
    case kBool:
      return "bool";
  }
  return "?";
}

inline std::ostream& operator<<(std::ostream& os, DType dtype) { return os << dtype_name(dtype); }

inline bool is_floating(DType dtype) {
  return dtype == kFloat32 || dtype == kFloat64 || dtype == kFloat16;
}
inline bool is_integral(DType dtype) { return dtype == kInt32 || dtype == kInt64; }

template <typename T>
struct DTypeOf;
template <>
struct DTypeOf<float> {
  static constexpr DType value = kFloat32;
};
template <>
struct DTypeOf<double> {
  static constexpr DType value = kFloat64;
};
template <>
struct DTypeOf<Half> {
  static constexpr DType value = kFloat16;
};
template <>
struct DTypeOf<int32_t> {
  static constexpr DType value = kInt32;
};
template <>
struct DTypeOf<int64_t> {
  static constexpr DType value = kInt64;
};
template <>
struct DTypeOf<bool> {
  static constexpr DType value = kBool;
};
template <typename T>
constexpr DType dtype_of = DTypeOf<T>::value;

// Calls f(T{}) with T the C++ type of `dtype`; the lambda recovers it as decltype(tag).
//   dispatch(x.dtype(), "exp", [&](auto tag) { using T = decltype(tag); ... });
template <typename F>
decltype(auto) dispatch(DType dtype, const char* op, F&& f) {
  switch (dtype) {
    case kFloat32:
      return f(float{});
    case kFloat64:
      return f(double{});
    case kFloat16:
      return f(Half{});
    case kInt32:
      return f(int32_t{});
    case kInt64:
      return f(int64_t{});
    case kBool:
      return f(bool{});
  }
  EMBER_FAIL(op, ": unknown dtype");
}

// The arithmetic types only: float32 and float64. float16 is storage, so ops that compute
// on it raise an error that says to convert first.
template <typename F>
decltype(auto) dispatch_floating(DType dtype, const char* op, F&& f) {
  switch (dtype) {
    case kFloat32:
      return f(float{});
    case kFloat64:
      return f(double{});
    default:
      break;
  }
  EMBER_FAIL(op, ": expected a float32 or float64 tensor, got ", dtype,
             dtype == kFloat16 ? " (float16 is storage only: call .to(kFloat32) first)" : "");
}

// Numbers: float32, float64, int32, int64 (no bool, no float16).
template <typename F>
decltype(auto) dispatch_numeric(DType dtype, const char* op, F&& f) {
  switch (dtype) {
    case kFloat32:
      return f(float{});
    case kFloat64:
      return f(double{});
    case kInt32:
      return f(int32_t{});
    case kInt64:
      return f(int64_t{});
    default:
      break;
  }
  EMBER_FAIL(op, ": expected a numeric tensor (float32, float64, int32, int64), got ", dtype,
             dtype == kFloat16 ? " (float16 is storage only: call .to(kFloat32) first)" : "");
}

// Index tensors: int32 or int64.
template <typename F>
decltype(auto) dispatch_index(DType dtype, const char* op, F&& f) {
  switch (dtype) {
    case kInt32:
      return f(int32_t{});
    case kInt64:
      return f(int64_t{});
    default:
      break;
  }
  EMBER_FAIL(op, ": indices must be int64 or int32, got ", dtype);
}

}  // namespace ember
