// Uppercasing UTF-8 text as Python's str.upper() does (full case mapping: "über" -> "ÜBER",
// "straße" -> "STRASSE"), which gensim's case-insensitive evaluation compares words by.
#pragma once

#include <string>
#include <string_view>

namespace ember::eval {

// `text` uppercased code point by code point. Bytes that are not valid UTF-8 are copied
// unchanged.
std::string unicode_upper(std::string_view text);

}  // namespace ember::eval
