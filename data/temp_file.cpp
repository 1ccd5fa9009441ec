#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <unistd.h>
#include <utility>
#include <vector>

#include <ember/data/temp_file.h>
#include <ember/tensor/error.h>

namespace ember::data {

TempFile::TempFile(const std::string& dir, const std::string& stem) {
  std::string base = dir.empty() ? std::filesystem::temp_directory_path().string() : dir;
  std::string pattern = base + "/" + stem + "XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  int fd = mkstemp(name.data());
  EMBER_CHECK(fd >= 0, "cannot create a temporary file ", pattern, ": ", std::strerror(errno));
  close(fd);
  path_ = name.data();
}

TempFile::~TempFile() {
  if (!path_.empty()) std::remove(path_.c_str());
}

TempFile::TempFile(TempFile&& other) noexcept : path_(std::exchange(other.path_, {})) {}

TempFile& TempFile::operator=(TempFile&& other) noexcept {
  if (this != &other) {
    if (!path_.empty()) std::remove(path_.c_str());
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

std::string TempFile::release() { return std::exchange(path_, {}); }

TempDir::TempDir(const std::string& dir, const std::string& stem) {
  std::string pattern = (dir.empty() ? std::string(".") : dir) + "/" + stem + "XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  EMBER_CHECK(mkdtemp(name.data()) != nullptr, "cannot create a temporary directory ", pattern,
              ": ", std::strerror(errno));
  path_ = name.data();
}

TempDir::~TempDir() {
  std::error_code ignored;
  if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}

TempDir& TempDir::operator=(TempDir&& other) noexcept {
  if (this != &other) {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

std::FILE* open_file(const std::string& path, const char* mode) {
  std::FILE* file = std::fopen(path.c_str(), mode);
  EMBER_CHECK(file != nullptr, "cannot open ", path, " (mode ", mode, "): ", std::strerror(errno));
  return file;
}

void close_durably(std::FILE* file, const std::string& path) {
  const bool synced = std::fflush(file) == 0 && ::fsync(fileno(file)) == 0;
  const int error = errno;
  const bool closed = std::fclose(file) == 0;
  EMBER_CHECK(synced && closed, "write to ", path,
              " failed: ", std::strerror(synced ? errno : error));
}

void write_items(std::FILE* file, const void* data, size_t size, size_t count,
                 const std::string& path) {
  if (count == 0) return;
  EMBER_CHECK(std::fwrite(data, size, count, file) == count, "write to ", path,
              " failed: ", std::strerror(errno));
}

size_t read_items(std::FILE* file, void* data, size_t size, size_t count, const std::string& path) {
  if (count == 0) return 0;
  size_t n = std::fread(data, size, count, file);
  EMBER_CHECK(n == count || !std::ferror(file), "read from ", path,
              " failed: ", std::strerror(errno));
  return n;
}

}  // namespace ember::data
