// Numbers given on the command line: the whole value must parse, else the error names the
// option and the value (`option --dim expects an integer, got 'ten'`).
#pragma once

#include <cstdint>
#include <exception>
#include <string>

#include <ember/tensor/error.h>

namespace ember::cli {

inline int64_t parse_integer(const std::string& flag, const std::string& value) {
  size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  EMBER_CHECK(used == value.size(), "option ", flag, " expects an integer, got '", value, "'");
  return int64_t(v);
}

inline double parse_real(const std::string& flag, const std::string& value) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  EMBER_CHECK(used == value.size(), "option ", flag, " expects a number, got '", value, "'");
  return v;
}

}  // namespace ember::cli
