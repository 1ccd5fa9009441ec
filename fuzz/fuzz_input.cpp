#include "fuzz_input.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace ember::fuzz {

namespace {

std::string scratch_dir() {
  struct stat st {};
  if (::stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && ::access("/dev/shm", W_OK) == 0)
    return "/dev/shm";
  const char* tmp = std::getenv("TMPDIR");
  return tmp && *tmp ? tmp : "/tmp";
}

}  // namespace

std::string scratch_path(const std::string& name) {
  static const std::string dir = scratch_dir();
  return dir + "/ember-fuzz-" + std::to_string(::getpid()) + "-" + name;
}

std::string write_input(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = scratch_path(name);
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) throw std::runtime_error("fuzz: cannot write " + path);
  const bool ok = std::fwrite(data, 1, size, file) == size;
  if (std::fclose(file) != 0 || !ok) throw std::runtime_error("fuzz: cannot write " + path);
  return path;
}

}  // namespace ember::fuzz
