// Where a tensor's memory lives: the host (CPU) or a CUDA device.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace ember {

enum class DeviceType : uint8_t { kCPU, kCUDA };

struct Device {
  DeviceType type = DeviceType::kCPU;
  int index = 0;

  constexpr Device() = default;
  constexpr Device(DeviceType type, int index = 0) : type(type), index(index) {}  // NOLINT

  bool is_cpu() const { return type == DeviceType::kCPU; }
  bool is_cuda() const { return type == DeviceType::kCUDA; }
  std::string str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }
  bool operator==(const Device& o) const {
    return type == o.type && (is_cpu() || index == o.index);
  }
  bool operator!=(const Device& o) const { return !(*this == o); }
};

constexpr DeviceType kCPU = DeviceType::kCPU;
constexpr DeviceType kCUDA = DeviceType::kCUDA;

inline std::ostream& operator<<(std::ostream& os, const Device& d) { return os << d.str(); }

// True when this build has the CUDA backend and a GPU is present.
bool cuda_is_available();
int cuda_device_count();

}  // namespace ember
