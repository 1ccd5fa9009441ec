// The JSON reader (nn/json.h): any bytes are parsed or rejected with an ember::Error; a
// string that parses is quoted back and parses to the same text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <ember/nn/json.h>
#include <ember/tensor/error.h>

using namespace ember;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const nn::json::Value value = nn::json::parse(text);
    if (value.kind == nn::json::Value::Kind::kString &&
        nn::json::parse(nn::json::quote(value.text)).text != value.text)
      std::abort();
  } catch (const Error&) {
  }
  return 0;
}
