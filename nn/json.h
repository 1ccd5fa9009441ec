// A small strict JSON reader and a string quoter: just what the safetensors header and the
// JSON sidecar files need, with no dependency. The reader accepts RFC 8259 JSON only (no
// comments, no trailing commas, no leading zeros) and reports the byte where it stopped.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace ember::nn::json {

struct Value {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;          // a string's value, or a number's literal text ("12", "-1.5e3")
  std::vector<Value> items;  // array elements
  std::vector<std::pair<std::string, Value>> members;  // object members, in file order
};

const char* kind_name(Value::Kind kind);

// Parses a whole document (surrounding whitespace allowed). Raises ember::Error saying what
// is wrong and at which byte; duplicate object keys are an error.
Value parse(const std::string& text);

// A JSON string literal for s, escaped as serde_json (safetensors' writer) escapes it: quote,
// backslash, \b \f \n \r \t by name, other control bytes as \u00XX, the rest (UTF-8
// included) as is.
std::string quote(const std::string& s);

}  // namespace ember::nn::json
