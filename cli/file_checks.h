// Checks the commands make of the files they are given before any work starts: an input a
// command reads more than once must be a regular file, and the place an output goes must
// exist (created when missing) and be writable, so that a long training run does not end
// in an error when it saves.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include <ember/tensor/error.h>

namespace ember::cli {

// `path`, given as `option`, is a regular file (or does not exist: its reader says so).
// `why` says what needs it to be one.
inline void require_regular_input(const std::string& option, const std::string& path,
                                  const char* why) {
  struct stat s {};
  if (stat(path.c_str(), &s) != 0) return;
  EMBER_CHECK(!S_ISDIR(s.st_mode), option, ": ", path, " is a directory, not a file");
  EMBER_CHECK(S_ISREG(s.st_mode), option, ": ", path,
              " is not a regular file (a pipe or a device): ", why,
              "; save it to a file and give that");
}

// Makes the directory `output` (given as `option`: the file written, or with `is_prefix` the
// prefix of the files written) goes in, and checks that a file can be created there, by
// creating and removing a probe file.
inline void prepare_output(const std::string& option, const std::string& output, bool is_prefix) {
  namespace fs = std::filesystem;
  EMBER_CHECK(!output.empty(), option, ": the path is empty");
  std::error_code error;
  EMBER_CHECK(is_prefix || !fs::is_directory(output, error), option, ": ", output,
              " is a directory; give the file's name");
  const fs::path directory = fs::path(output).parent_path();
  if (!directory.empty()) {
    fs::create_directories(directory, error);
    EMBER_CHECK(!error, option, ": cannot create the directory ", directory.string(), ": ",
                error.message());
  }
  const fs::path probe = (directory.empty() ? fs::path(".") : directory) /
                         (".ember-write-check-" + std::to_string(getpid()));
  FILE* f = std::fopen(probe.c_str(), "wb");
  EMBER_CHECK(f, option, ": cannot write in ",
              directory.empty() ? std::string("the current directory") : directory.string(), ": ",
              std::strerror(errno));
  std::fclose(f);
  std::remove(probe.c_str());
}

}  // namespace ember::cli
