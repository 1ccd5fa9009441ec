// What the vector commands (similar, analogy, eval, convert, info) share: reading a vector
// file with --format and --limit.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include <ember/data/vectors.h>
#include <ember/tensor/error.h>

#include "options.h"

namespace ember::cli {

// --format F, declared on `app`, read into `format`.
inline void add_format_option(CLI::App& app, data::VectorFormat& format) {
  app.add_option_function<std::string>(
         "--format",
         [&format](const std::string& name) { format = data::parse_vector_format(name); },
         "the file's format: auto (told by the header and the bytes),\n"
         "w2v-text, w2v-bin, glove (text, no header), vec (fastText, = w2v-text),\n"
         "fasttext-bin (a fastText model: its vocabulary's vectors; told by its magic number),\n"
         "fasttext-old (a model from fastText before 0.2, which had no magic number)")
      ->check(one_of({"auto", "w2v-text", "text", "word2vec", "w2v-bin", "bin", "binary", "glove",
                      "vec", "fasttext-bin", "fasttext-old"}))
      ->default_str("auto");
}

// --allow-non-finite, declared on `app`, read into `allow`.
inline void add_non_finite_flag(CLI::App& app, bool& allow) {
  app.add_flag("--allow-non-finite", allow,
               "read nan and inf values (a file holding one is refused by default)");
}

// --format F, --limit N and --allow-non-finite, declared on `app`, read into `read`.
inline void add_read_options(CLI::App& app, data::VectorReadOptions& read) {
  add_format_option(app, read.format);
  add_non_finite_flag(app, read.allow_non_finite);
  app.add_option("--limit", read.limit,
                 "read the first N vectors only (the most frequent, in most files; 0: all)")
      ->check(at_least<int64_t>(0));
}

// read_vectors, its refusal of a value that is not finite saying how to read it anyway.
inline data::WordVectors read_vector_file(const std::string& path,
                                          const data::VectorReadOptions& read,
                                          data::VectorFileInfo* info = nullptr) {
  try {
    return data::read_vectors(path, read, info);
  } catch (const Error& e) {
    const std::string what = e.what();
    if (read.allow_non_finite || what.find("not a finite float") == std::string::npos) throw;
    EMBER_FAIL(what, " (--allow-non-finite reads it)");
  }
}

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
  loaded.vectors = read_vector_file(path, read, &loaded.info);
  loaded.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!quiet) {
    std::fprintf(stderr, "loaded %lld x %lld vectors (%s) from %s in %.2f s\n",
                 static_cast<long long>(loaded.vectors.size()),
                 static_cast<long long>(loaded.vectors.dim),
                 data::vector_format_name(loaded.info.format), path.c_str(), loaded.seconds);
    if (!loaded.info.model_summary.empty())
      std::fprintf(stderr, "%s\n", loaded.info.model_summary.c_str());
    if (loaded.info.duplicates)
      std::fprintf(stderr, "warning: %s: %lld duplicate words skipped (first: '%s')\n",
                   path.c_str(), static_cast<long long>(loaded.info.duplicates),
                   loaded.info.first_duplicate.c_str());
  }
  return loaded;
}

}  // namespace ember::cli
