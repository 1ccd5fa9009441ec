// Cooccurrences: the records in memory or in a file, read by range, shuffled, saved.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <ember/data/cooccurrence.h>
#include <ember/data/temp_file.h>
#include <ember/nn/serialize.h>
#include <ember/tensor/error.h>
#include <ember/tensor/generator.h>

namespace ember::data {

namespace {

constexpr size_t kRecord = sizeof(CooccurrenceRecord);
static_assert(kRecord == 12, "CooccurrenceRecord must be 12 bytes");

void fisher_yates(std::vector<CooccurrenceRecord>& records, Generator& gen) {
  for (size_t i = records.size(); i > 1; --i)
    std::swap(records[i - 1], records[gen.next_u64() % i]);
}

}  // namespace

Cooccurrences::Cooccurrences(std::vector<CooccurrenceRecord> records)
    : records_(std::move(records)), size_(int64_t(records_.size())) {}

Cooccurrences Cooccurrences::load(const std::string& path) {
  struct stat info;
  EMBER_CHECK(stat(path.c_str(), &info) == 0, "Cooccurrences::load: cannot open ", path, ": ",
              std::strerror(errno));
  EMBER_CHECK(info.st_size % int64_t(kRecord) == 0, "Cooccurrences::load: ", path, " has ",
              int64_t(info.st_size), " bytes, not a whole number of 12-byte records");
  Cooccurrences result;
  result.path_ = path;
  result.size_ = int64_t(info.st_size) / int64_t(kRecord);
  return result;
}

const std::vector<CooccurrenceRecord>& Cooccurrences::records() const {
  EMBER_CHECK(in_memory(), "Cooccurrences::records: the records are in the file ", path_,
              "; use read() or to_vector()");
  return records_;
}

void Cooccurrences::read(int64_t first, int64_t count, CooccurrenceRecord* out) const {
  EMBER_CHECK(first >= 0 && count >= 0 && first + count <= size_, "Cooccurrences::read: records [",
              first, ", ", first + count, ") out of range for ", size_, " records");
  if (in_memory()) {
    std::copy(records_.begin() + first, records_.begin() + first + count, out);
    return;
  }
  int fd = ::open(path_.c_str(), O_RDONLY);
  EMBER_CHECK(fd >= 0, "Cooccurrences::read: cannot open ", path_, ": ", std::strerror(errno));
  char* destination = reinterpret_cast<char*>(out);
  size_t left = size_t(count) * kRecord;
  off_t offset = off_t(first) * off_t(kRecord);
  while (left > 0) {
    ssize_t n = ::pread(fd, destination, left, offset);
    if (n <= 0) {
      int error = errno;
      ::close(fd);
      EMBER_FAIL("Cooccurrences::read: ", path_, ": short read at byte ", int64_t(offset), ": ",
                 n == 0 ? "end of file" : std::strerror(error));
    }
    destination += n;
    offset += n;
    left -= size_t(n);
  }
  ::close(fd);
}

std::vector<CooccurrenceRecord> Cooccurrences::to_vector() const {
  if (in_memory()) return records_;
  std::vector<CooccurrenceRecord> all(static_cast<size_t>(size_));
  read(0, size_, all.data());
  return all;
}

// A file: each record goes to one of M buckets chosen uniformly at random (M so that a
// bucket fits half the budget), then each bucket is shuffled in memory and appended. Random
// buckets plus a uniform shuffle within each give a uniform permutation of the whole.
void Cooccurrences::shuffle(uint64_t seed, int64_t memory_bytes, const std::string& temp_dir) {
  Generator gen(seed);
  if (in_memory()) {
    fisher_yates(records_, gen);
    return;
  }
  const size_t bucket_records = std::max<size_t>(1024, size_t(memory_bytes / 2) / kRecord);
  const size_t buckets = std::max<size_t>(1, (size_t(size_) + bucket_records - 1) / bucket_records);
  const size_t buffer_records = 4096;
  std::vector<TempFile> bucket_files;
  std::vector<std::FILE*> writers;
  std::vector<std::vector<CooccurrenceRecord>> buffers(buckets);
  for (size_t b = 0; b < buckets; ++b) {
    bucket_files.emplace_back(temp_dir, "ember_shuffle_");
    writers.push_back(open_file(bucket_files.back().path(), "wb"));
    buffers[b].reserve(buffer_records);
  }
  std::vector<CooccurrenceRecord> block(std::min<size_t>(size_t(size_), 1 << 16));
  for (int64_t first = 0; first < size_; first += int64_t(block.size())) {
    const int64_t n = std::min<int64_t>(int64_t(block.size()), size_ - first);
    read(first, n, block.data());
    for (int64_t i = 0; i < n; ++i) {
      const size_t b = size_t(gen.next_u64() % buckets);
      buffers[b].push_back(block[size_t(i)]);
      if (buffers[b].size() == buffer_records) {
        write_items(writers[b], buffers[b].data(), kRecord, buffers[b].size(),
                    bucket_files[b].path());
        buffers[b].clear();
      }
    }
  }
  for (size_t b = 0; b < buckets; ++b) {
    write_items(writers[b], buffers[b].data(), kRecord, buffers[b].size(), bucket_files[b].path());
    EMBER_CHECK(std::fclose(writers[b]) == 0, "cannot close ", bucket_files[b].path());
  }
  // A kept file is replaced by a rename, so its replacement is made in the same directory.
  std::string parent = std::filesystem::path(path_).parent_path().string();
  TempFile shuffled(owned_.path().empty() ? (parent.empty() ? "." : parent) : temp_dir,
                    "ember_shuffled_");
  std::FILE* out = open_file(shuffled.path(), "wb");
  std::vector<CooccurrenceRecord> bucket;
  for (size_t b = 0; b < buckets; ++b) {
    std::FILE* in = open_file(bucket_files[b].path(), "rb");
    bucket.resize(size_t(std::filesystem::file_size(bucket_files[b].path())) / kRecord);
    size_t n = read_items(in, bucket.data(), kRecord, bucket.size(), bucket_files[b].path());
    std::fclose(in);
    EMBER_CHECK(n == bucket.size(), "short read from ", bucket_files[b].path());
    bucket_files[b] = TempFile();  // frees the disk space now
    fisher_yates(bucket, gen);
    write_items(out, bucket.data(), kRecord, bucket.size(), shuffled.path());
  }
  EMBER_CHECK(std::fclose(out) == 0, "cannot close ", shuffled.path());
  if (!owned_.path().empty()) {
    owned_ = std::move(shuffled);  // the old temporary file is removed
    path_ = owned_.path();
  } else {
    std::string from = shuffled.release();
    std::filesystem::rename(from, path_);  // a kept file (output_path or load) is replaced
  }
}

void Cooccurrences::save(const std::string& path) const {
  // path.tmp, fsynced, renamed over path, the directory fsynced; the temporary file is removed
  // on every error.
  const std::string temporary = path + ".tmp";
  try {
    if (in_memory()) {
      std::FILE* out = open_file(temporary, "wb");
      try {
        write_items(out, records_.data(), kRecord, records_.size(), temporary);
      } catch (...) {
        std::fclose(out);
        throw;
      }
      close_durably(out, temporary);
    } else {
      std::filesystem::copy_file(path_, temporary,
                                 std::filesystem::copy_options::overwrite_existing);
      close_durably(open_file(temporary, "rb+"), temporary);
    }
    EMBER_CHECK(std::rename(temporary.c_str(), path.c_str()) == 0,
                "Cooccurrences::save: cannot rename ", temporary, " to ", path, ": ",
                std::strerror(errno));
  } catch (...) {
    std::remove(temporary.c_str());
    throw;
  }
  nn::sync_directory_of(path);
}

}  // namespace ember::data
