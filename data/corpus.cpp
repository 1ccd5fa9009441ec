#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>

#include <ember/data/corpus.h>
#include <ember/data/tokenize.h>
#include <ember/tensor/error.h>

namespace ember::data {

namespace {
constexpr size_t kBlock = size_t(1) << 20;  // bytes asked of zlib per read, at most
constexpr size_t kMinBlock = size_t(1) << 12;
}  // namespace

// The buffer holds unread text in [begin, end); a line is found by memchr for '\n' over the
// bytes not yet scanned, reading another block while none is found. It starts one block
// long and grows while lines need it, up to max_line_bytes + block, so a line that fits
// always fits with a block behind it. A block is kBlock, or less for a smaller file: a
// short file costs no megabytes.
struct CorpusReader::Impl {
  gzFile file = nullptr;
  std::vector<char> buffer;
  size_t block = kBlock;
  size_t begin = 0, end = 0, scanned = 0;  // scanned: [begin, scanned) holds no '\n'
  bool eof = false;
  size_t max_line_bytes = 0;
  int64_t consumed = 0;       // stream bytes before buffer[0]
  int64_t line = 0;           // 1-based number of the line being read
  int64_t sentence_line = 0;  // line of the last sentence returned
  bool continuing = false;    // the rest of a split line comes next
  bool line_invalid = false;  // this line was counted as invalid UTF-8 already
  int64_t invalid_utf8 = 0, split_long = 0;
  bool direct = true;  // plain text, not gzip

  void fill(const std::string& path);

  void reset() {
    begin = end = scanned = 0;
    eof = false;
    line = sentence_line = 0;
    continuing = line_invalid = false;
    invalid_utf8 = split_long = 0;
  }
};

CorpusReader::CorpusReader(const std::string& path, int64_t max_line_bytes)
    : impl_(std::make_unique<Impl>()), path_(path) {
  EMBER_CHECK(max_line_bytes > 0, "CorpusReader: max_line_bytes must be positive, got ",
              max_line_bytes);
  impl_->file = gzopen(path.c_str(), "rb");
  EMBER_CHECK(impl_->file != nullptr, "CorpusReader: cannot open ", path, ": ",
              std::strerror(errno));
  struct stat info;
  if (stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode))
    impl_->block = std::clamp(size_t(info.st_size) + 1, kMinBlock, kBlock);
  gzbuffer(impl_->file, unsigned(impl_->block));
  impl_->max_line_bytes = size_t(max_line_bytes);
  impl_->buffer.resize(impl_->block);
  // gzdirect looks at the first bytes (the gzip magic) to tell a plain file from gzip.
  impl_->direct = gzdirect(impl_->file) == 1;
}

CorpusReader::~CorpusReader() {
  if (impl_ && impl_->file) gzclose(impl_->file);
}

bool CorpusReader::is_gzip() const { return !impl_->direct; }

int64_t CorpusReader::file_size() const {
  if (!impl_->direct) return -1;
  struct stat info;
  if (stat(path_.c_str(), &info) != 0) return -1;
  return int64_t(info.st_size);
}

// Moves the unread bytes to the front and reads one more block behind them.
void CorpusReader::Impl::fill(const std::string& path) {
  Impl& s = *this;
  if (s.begin > 0) {
    std::memmove(s.buffer.data(), s.buffer.data() + s.begin, s.end - s.begin);
    s.consumed += int64_t(s.begin);
    s.end -= s.begin;
    s.scanned -= s.begin;
    s.begin = 0;
  }
  // The unread bytes are at most max_line_bytes now (next_line reads no further past a line
  // that long), so the buffer's full size always leaves room for a read.
  if (s.buffer.size() - s.end < s.block)
    s.buffer.resize(
        std::min(std::max(2 * s.buffer.size(), s.end + s.block), s.max_line_bytes + s.block));
  size_t room = std::min<size_t>(s.buffer.size() - s.end, INT_MAX);
  int n = gzread(s.file, s.buffer.data() + s.end, unsigned(room));
  if (n < 0) {
    int code = 0;
    const char* message = gzerror(s.file, &code);
    EMBER_FAIL("CorpusReader: ", path, ": read error after line ", s.line, ": ",
               code == Z_ERRNO ? std::strerror(errno) : message);
  }
  if (n == 0) {
    // gzread returns 0 at the end, and also for a truncated gzip stream (with an error set).
    int code = 0;
    const char* message = gzerror(s.file, &code);
    EMBER_CHECK(code == Z_OK || code == Z_BUF_ERROR, "CorpusReader: ", path,
                ": read error after line ", s.line, ": ", message);
    EMBER_CHECK(code == Z_OK, "CorpusReader: ", path, ": truncated gzip stream after line ",
                s.line);
    s.eof = true;
  }
  s.end += size_t(n);
}

bool CorpusReader::next_sentence(std::vector<std::string_view>& tokens) {
  tokens.clear();
  std::string_view line;
  while (next_line(line)) {
    split_whitespace(line, tokens);
    if (!tokens.empty()) return true;
  }
  return false;
}

bool CorpusReader::next_line(std::string_view& line) {
  Impl& s = *impl_;
  {
    // Find the end of the current line, reading blocks until one is seen, the line is too
    // long, or the file ends.
    const char* newline = nullptr;
    while (true) {
      newline = static_cast<const char*>(
          std::memchr(s.buffer.data() + s.scanned, '\n', s.end - s.scanned));
      if (newline || s.eof || s.end - s.begin > s.max_line_bytes) break;
      s.scanned = s.end;
      s.fill(path_);
    }
    if (!s.continuing) {
      ++s.line;
      s.line_invalid = false;
    }
    size_t piece_end;  // the sentence is buffer[begin, piece_end)
    size_t next_begin;
    if (newline && size_t(newline - s.buffer.data()) - s.begin <= s.max_line_bytes) {
      piece_end = size_t(newline - s.buffer.data());
      next_begin = piece_end + 1;
      s.continuing = false;
    } else if (!newline && s.eof && s.end - s.begin <= s.max_line_bytes) {
      if (s.begin == s.end) return false;
      piece_end = next_begin = s.end;  // the last line, without '\n'
      s.continuing = false;
    } else {
      // Over max_line_bytes: cut at the last whitespace of the first max_line_bytes, or
      // (one giant token) at a UTF-8 character boundary, and read the rest as another
      // sentence of the same line.
      size_t cut = s.begin + s.max_line_bytes;
      size_t space = cut;
      while (space > s.begin && !is_space(static_cast<unsigned char>(s.buffer[space - 1]))) --space;
      if (space > s.begin) {
        cut = space;
      } else {
        for (int k = 0; k < 3 && cut > s.begin + 1 && (s.buffer[cut] & 0xC0) == 0x80; ++k) --cut;
      }
      if (!s.continuing) ++s.split_long;
      piece_end = next_begin = cut;
      s.continuing = true;
    }
    std::string_view piece(s.buffer.data() + s.begin, piece_end - s.begin);
    s.begin = next_begin;
    s.scanned = std::max(s.scanned, s.begin);
    if (!s.line_invalid && !is_valid_utf8(piece)) {
      s.line_invalid = true;
      ++s.invalid_utf8;
    }
    s.sentence_line = s.line;
    line = piece;
    return true;
  }
}

void CorpusReader::rewind() {
  EMBER_CHECK(gzrewind(impl_->file) == 0, "CorpusReader: cannot rewind ", path_);
  impl_->reset();
  impl_->consumed = 0;
}

void CorpusReader::seek(int64_t byte_offset) {
  EMBER_CHECK(byte_offset >= 0, "CorpusReader::seek: negative offset ", byte_offset, " in ", path_);
  if (byte_offset == 0) return rewind();
  EMBER_CHECK(gzseek(impl_->file, byte_offset - 1, SEEK_SET) == byte_offset - 1,
              "CorpusReader::seek: cannot seek to byte ", byte_offset, " of ", path_);
  impl_->reset();
  impl_->consumed = byte_offset - 1;
  // Skip to just past the first '\n' at or after byte_offset - 1, so that an offset that
  // falls at the start of a line keeps that line.
  while (true) {
    const char* newline = static_cast<const char*>(
        std::memchr(impl_->buffer.data() + impl_->begin, '\n', impl_->end - impl_->begin));
    if (newline) {
      impl_->begin = impl_->scanned = size_t(newline - impl_->buffer.data()) + 1;
      return;
    }
    impl_->begin = impl_->scanned = impl_->end;
    if (impl_->eof) return;
    impl_->fill(path_);
  }
}

int64_t CorpusReader::line_number() const { return impl_->sentence_line; }
int64_t CorpusReader::bytes_read() const { return impl_->consumed + int64_t(impl_->begin); }
int64_t CorpusReader::invalid_utf8_lines() const { return impl_->invalid_utf8; }
int64_t CorpusReader::split_long_lines() const { return impl_->split_long; }

void CorpusReader::warn_summary() const {
  if (impl_->invalid_utf8 == 0 && impl_->split_long == 0) return;
  std::fprintf(stderr,
               "warning: %s: %lld lines with invalid UTF-8, %lld lines over %zu bytes split\n",
               path_.c_str(), static_cast<long long>(impl_->invalid_utf8),
               static_cast<long long>(impl_->split_long), impl_->max_line_bytes);
}

}  // namespace ember::data
