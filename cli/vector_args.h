// Options that the vector commands (similar, analogy, eval, convert, info) share: reading a
// vector file with --format and --limit, and numbers given on the command line.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include <ember/data/vectors.h>
#include <ember/tensor/error.h>

namespace ember::cli {

inline int64_t parse_count(const std::string& flag, const std::string& value) {
  size_t used = 0;
  long long n = -1;
  try {
    n = std::stoll(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  EMBER_CHECK(used == value.size() && n >= 0, "option ", flag,
              " needs a non-negative integer, got '", value, "'");
  return n;
}

// Takes --format F or --limit N at argv[i] (moving i past its value); false for other flags.
inline bool parse_read_flag(int argc, char** argv, int& i, data::VectorReadOptions& read) {
  const std::string flag = argv[i];
  if (flag != "--format" && flag != "--limit") return false;
  EMBER_CHECK(i + 1 < argc, "option ", flag, " needs a value");
  const std::string value = argv[++i];
  if (flag == "--format")
    read.format = data::parse_vector_format(value);
  else
    read.limit = parse_count(flag, value);
  return true;
}

constexpr const char* kReadFlagsHelp =
    "  --format F     the file's format: auto (default: told by the header and the bytes),\n"
    "                 w2v-text, w2v-bin, glove (text, no header), vec (fastText, = w2v-text)\n"
    "  --limit N      read the first N vectors only (the most frequent, in most files)\n";

struct Loaded {
  data::WordVectors vectors;
  data::VectorFileInfo info;
  double seconds = 0;
};

// Reads the file and says on stderr what was read, and how fast.
inline Loaded load_vectors(const std::string& path, const data::VectorReadOptions& read,
                           bool quiet = false) {
  Loaded loaded;
  const auto start = std::chrono::steady_clock::now();
  loaded.vectors = data::read_vectors(path, read, &loaded.info);
  loaded.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!quiet) {
    std::fprintf(stderr, "loaded %lld x %lld vectors (%s) from %s in %.2f s\n",
                 static_cast<long long>(loaded.vectors.size()),
                 static_cast<long long>(loaded.vectors.dim),
                 data::vector_format_name(loaded.info.format), path.c_str(), loaded.seconds);
    if (loaded.info.duplicates)
      std::fprintf(stderr, "warning: %s: %lld duplicate words skipped (first: '%s')\n",
                   path.c_str(), static_cast<long long>(loaded.info.duplicates),
                   loaded.info.first_duplicate.c_str());
  }
  return loaded;
}

}  // namespace ember::cli
