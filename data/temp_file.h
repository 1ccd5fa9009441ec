// TempFile: a uniquely named file (mkstemp) in a directory, removed when the object dies;
// TempDir, the same for a directory; and whole-record binary reads and writes that name the file in
// their errors. Used for the co-occurrence builder's spilled chunks and shuffle buckets.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace ember::data {

class TempFile {
 public:
  TempFile() = default;
  // Creates an empty file "<dir>/<stem>XXXXXX"; dir "" is the system's temp directory.
  TempFile(const std::string& dir, const std::string& stem);
  ~TempFile();
  TempFile(TempFile&& other) noexcept;
  TempFile& operator=(TempFile&& other) noexcept;
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::string& path() const { return path_; }
  // Gives up ownership: the file stays on disk.
  std::string release();

 private:
  std::string path_;
};

// A uniquely named directory (mkdtemp) "<dir>/<stem>XXXXXX", removed with all it holds when
// the object dies.
class TempDir {
 public:
  TempDir() = default;
  TempDir(const std::string& dir, const std::string& stem);
  ~TempDir();
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// fopen that throws an ember::Error naming the path and the reason.
std::FILE* open_file(const std::string& path, const char* mode);
// Flushes, fsyncs and closes `file` (written to `path`): its bytes are on disk when this
// returns; throws naming `path` otherwise (the file is closed either way).
void close_durably(std::FILE* file, const std::string& path);
// Writes/reads `count` items of `size` bytes; throws naming `path` on a short write or read.
void write_items(std::FILE* file, const void* data, size_t size, size_t count,
                 const std::string& path);
// Reads up to `count` items; returns how many (fewer only at the end of the file).
size_t read_items(std::FILE* file, void* data, size_t size, size_t count, const std::string& path);

}  // namespace ember::data
