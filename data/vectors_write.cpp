// Writing word vector files (see vectors.h), atomically, through one large buffer.
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <ember/data/internal/vector_text.h>
#include <ember/data/vectors.h>
#include <ember/nn/serialize.h>
#include <ember/tensor/error.h>

namespace ember::data {

namespace detail {

AtomicWriter::AtomicWriter(std::string path)
    : path_(std::move(path)), tmp_(path_ + ".tmp"), buffer_(size_t(1) << 22, '\0') {
  file_ = std::fopen(tmp_.c_str(), "wb");
  if (!file_) fail("cannot create");
}

AtomicWriter::~AtomicWriter() {
  if (file_) std::fclose(file_);
  if (!committed_) std::remove(tmp_.c_str());
}

void AtomicWriter::write(const char* data, size_t n) {
  if (buffer_.size() - used_ < n) flush();
  if (n >= buffer_.size()) {
    if (std::fwrite(data, 1, n, file_) != n) fail("cannot write");
    return;
  }
  std::memcpy(&buffer_[used_], data, n);
  used_ += n;
}

void AtomicWriter::flush() {
  if (used_ && std::fwrite(buffer_.data(), 1, used_, file_) != used_) fail("cannot write");
  used_ = 0;
}

void AtomicWriter::commit() {
  flush();
  if (std::fflush(file_) != 0 || ::fsync(fileno(file_)) != 0) fail("cannot write");
  std::FILE* file = file_;
  file_ = nullptr;
  if (std::fclose(file) != 0) fail("cannot close");
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) fail("cannot rename over the target");
  committed_ = true;
  nn::sync_directory_of(path_);
}

void AtomicWriter::fail(const char* what) const {
  EMBER_FAIL(what, " '", tmp_, "' while writing '", path_, "': ", std::strerror(errno));
}

}  // namespace detail

namespace {

bool ends_with(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

VectorFormat format_from_name(const std::string& path) {
  if (ends_with(path, ".bin")) return VectorFormat::kWord2VecBinary;
  if (ends_with(path, ".vec")) return VectorFormat::kVec;
  const size_t slash = path.find_last_of('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.find("glove") != std::string::npos && ends_with(path, ".txt"))
    return VectorFormat::kGloVe;
  return VectorFormat::kWord2VecText;
}

void write_header(detail::AtomicWriter& out, const WordVectors& v) {
  out.write(std::to_string(v.size()) + " " + std::to_string(v.dim) + "\n");
}

}  // namespace

void write_vectors(const std::string& path, const WordVectors& v, VectorFormat format,
                   const VectorWriteOptions& options) {
  EMBER_CHECK(v.dim > 0 && int64_t(v.values.size()) == v.size() * v.dim, "write_vectors ", path,
              ": ", v.size(), " words of dimension ", v.dim, " but ", v.values.size(), " values");
  EMBER_CHECK(options.precision <= 40, "write_vectors ", path, ": precision ", options.precision,
              " is more than 40 digits");
  if (format == VectorFormat::kAuto) format = format_from_name(path);
  EMBER_CHECK(format != VectorFormat::kFastTextBin && format != VectorFormat::kFastTextOld,
              "write_vectors ", path,
              ": a fastText .bin model holds n-gram rows that a vector table does not have; ",
              "write .vec (fastText's vector file) or w2v-bin");
  for (const std::string& word : v.words) {
    EMBER_CHECK(!word.empty() && word.find_first_of(" \t\n\r") == std::string::npos,
                "write_vectors ", path, ": word '", word,
                "' is empty or holds whitespace; the file could not be read back");
  }
  detail::AtomicWriter out(path);
  if (format == VectorFormat::kWord2VecBinary) {
    write_header(out, v);
    for (int64_t i = 0; i < v.size(); ++i) {
      out.write(v.words[size_t(i)]);
      out.put(' ');
      out.write(reinterpret_cast<const char*>(v.row(i)), size_t(v.dim) * sizeof(float));
      out.put('\n');
    }
  } else {
    if (format != VectorFormat::kGloVe) write_header(out, v);
    for (int64_t i = 0; i < v.size(); ++i) {
      out.write(v.words[size_t(i)]);
      const float* row = v.row(i);
      for (int64_t j = 0; j < v.dim; ++j) {
        char* p = out.reserve(128);
        *p = ' ';
        auto result = options.precision < 0
                          ? std::to_chars(p + 1, p + 128, row[j])
                          : std::to_chars(p + 1, p + 128, row[j], std::chars_format::fixed,
                                          options.precision);
        EMBER_CHECK(result.ec == std::errc(), "write_vectors ", path, ": cannot print ", row[j],
                    " with precision ", options.precision);
        out.advance(size_t(result.ptr - p));
      }
      out.put('\n');
    }
  }
  out.commit();
}

}  // namespace ember::data
