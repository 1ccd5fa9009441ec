// Reading word vector files (see vectors.h for the formats). Text rows are located with one
// memchr pass, then parsed in parallel straight from the mapped file; binary rows are copied.
#include <ember/data/vectors.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>

#include <ember/data/fasttext_bin.h>
#include <ember/data/internal/vector_text.h>
#include <ember/nn/serialize.h>
#include <ember/tensor/error.h>
#include <ember/tensor/parallel.h>

namespace ember::data {

namespace detail {

MappedFile::MappedFile(const std::string& path, bool populate) {
  // The open is non-blocking in case the path turns into a FIFO after the check.
  const std::string why = nn::why_not_a_regular_file(path);
  EMBER_CHECK(why.empty(), path, ": ", why);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  EMBER_CHECK(fd >= 0, path, ": cannot open: ", std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    EMBER_FAIL(path, ": not a regular file");
  }
  size_ = size_t(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | (populate ? MAP_POPULATE : 0), fd, 0);
    ::close(fd);
    EMBER_CHECK(p != MAP_FAILED, path, ": cannot map: ", std::strerror(errno));
    data_ = static_cast<const char*>(p);
  } else {
    ::close(fd);
  }
}

void MappedFile::release(const char* begin, const char* end) const {
  const uintptr_t page = uintptr_t(::sysconf(_SC_PAGESIZE));
  const uintptr_t first = (uintptr_t(begin) + page - 1) / page * page;
  const uintptr_t last = uintptr_t(end) / page * page;
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<char*>(data_), size_);
}

}  // namespace detail

namespace {

using detail::is_separator;
using detail::is_space;
using detail::MappedFile;
using detail::parse_float;

constexpr int64_t kMaxWordBytes = 1 << 20;
constexpr const char* non_finite_note =
    " is not a finite float (nan, inf, or beyond float's range)";

const char* line_end(const char* p, const char* end) {
  const void* nl = std::memchr(p, '\n', size_t(end - p));
  return nl ? static_cast<const char*>(nl) : end;
}

// [p, e) without trailing spaces, tabs and '\r'.
const char* trim_end(const char* p, const char* e) {
  while (e > p && is_space(e[-1])) --e;
  return e;
}

bool only_space(const char* p, const char* end) {
  for (; p < end; ++p)
    if (!is_space(*p)) return false;
  return true;
}

// The length of the valid UTF-8 sequence of two to four bytes at p, or 0.
size_t utf8_sequence(const char* p, const char* e) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(p[i]); };
  const unsigned char c = byte(0);
  const size_t n = c >= 0xc2 && c <= 0xdf   ? 2
                   : c >= 0xe0 && c <= 0xef ? 3
                   : c >= 0xf0 && c <= 0xf4 ? 4
                                            : 0;
  if (n == 0 || size_t(e - p) < n) return 0;
  for (size_t i = 1; i < n; ++i)
    if ((byte(i) & 0xc0) != 0x80) return 0;
  // Overlong forms, surrogates and code points past U+10FFFF.
  if ((c == 0xe0 && byte(1) < 0xa0) || (c == 0xed && byte(1) > 0x9f) ||
      (c == 0xf0 && byte(1) < 0x90) || (c == 0xf4 && byte(1) > 0x8f))
    return 0;
  return n;
}

// Where [p, e) stops being text: the first control byte other than tab, CR and LF, or the
// first byte of an invalid UTF-8 sequence; e when it is all text.
const char* first_non_text(const char* p, const char* e) {
  while (p < e) {
    const unsigned char c = static_cast<unsigned char>(*p);
    if (c >= 0x80) {
      const size_t n = utf8_sequence(p, e);
      if (n == 0) return p;
      p += n;
    } else if (c < 0x20 ? c != '\t' && c != '\r' && c != '\n' : c == 0x7f) {
      return p;
    } else {
      ++p;
    }
  }
  return e;
}

// [p, e) quoted for a message, at most 60 bytes; bytes that are not text are written as
// \xNN, so a binary file never sends raw bytes to the terminal.
std::string quoted(const char* p, const char* e) {
  const char* stop = p + std::min<ptrdiff_t>(e - p, 60);
  std::string out = "'";
  while (p < stop) {
    const char* bad = first_non_text(p, stop);
    out.append(p, size_t(bad - p));
    if (bad == stop) break;
    char hex[8];
    std::snprintf(hex, sizeof hex, "\\x%02x", unsigned(static_cast<unsigned char>(*bad)));
    out += hex;
    p = bad + 1;
  }
  return out + (stop < e ? "...'" : "'");
}

// Where the text starts: after a UTF-8 byte order mark, if the file has one.
const char* skip_bom(const MappedFile& file) {
  const char* p = file.data();
  return file.size() >= 3 && std::memcmp(p, "\xef\xbb\xbf", 3) == 0 ? p + 3 : p;
}

// "N D" (two non-negative integers) on the first line, or false.
bool parse_header(const char* p, const char* e, int64_t* count, int64_t* dim) {
  int64_t values[2];
  for (int64_t& v : values) {
    while (p < e && is_space(*p)) ++p;
    auto [next, error] = std::from_chars(p, e, v);
    if (error != std::errc() || next == p || v < 0 || (next < e && !is_space(*next))) return false;
    p = next;
  }
  if (!only_space(p, e)) return false;
  *count = values[0];
  *dim = values[1];
  return true;
}

std::vector<std::string_view> split_fields(const char* p, const char* e) {
  std::vector<std::string_view> fields;
  while (p < e) {
    while (p < e && is_separator(*p)) ++p;
    const char* start = p;
    while (p < e && !is_separator(*p)) ++p;
    if (p > start) fields.emplace_back(start, size_t(p - start));
  }
  return fields;
}

// One text row [p, e) (trimmed) into word + dim floats. On failure returns the reason.
// Rows whose word holds spaces (a few in glove.840B: ". . .") parse when their second field
// is no number and their last `dim` fields are: the word is then everything before those.
// A value that is nan or inf (or beyond float's range) fails unless allow_non_finite.
std::string parse_text_row(const char* p, const char* e, int64_t dim, std::string_view* word,
                           float* out, bool allow_non_finite) {
  const char* q = p;
  while (q < e && !is_separator(*q)) ++q;
  *word = std::string_view(p, size_t(q - p));
  if (q == p) return "the line starts with a space, not a word";
  int64_t count = 0;
  std::string reason;
  while (true) {
    while (q < e && is_separator(*q)) ++q;
    if (q == e) break;
    if (count == dim) {
      reason = "more than " + std::to_string(dim) + " numbers";
      break;
    }
    const char* next = parse_float(q, e, &out[count]);
    if (!next) {
      const char* f = q;
      while (f < e && !is_separator(*f)) ++f;
      reason = "field " + std::to_string(count + 2) + " " + quoted(q, f) + " is not a number";
      break;
    }
    if (!allow_non_finite && !std::isfinite(out[count])) {
      reason = "field " + std::to_string(count + 2) + " " + quoted(q, next) + non_finite_note;
      break;
    }
    q = next;
    ++count;
  }
  if (reason.empty()) {
    if (count == dim) return {};
    return "word " + quoted(word->data(), word->data() + word->size()) + " has " +
           std::to_string(count) + " numbers, expected " + std::to_string(dim);
  }
  // Only a row whose second field is no number can be a word with spaces: "of 3 4 5" for
  // dimension 2 is a row too long, not the word "of 3".
  std::vector<std::string_view> fields = split_fields(p, e);
  const int64_t n = int64_t(fields.size());
  float scratch;
  if (n > dim + 1 && count == 0 &&
      parse_float(fields[1].data(), fields[1].data() + fields[1].size(), &scratch) == nullptr) {
    bool numbers = true;
    for (int64_t i = 0; i < dim && numbers; ++i) {
      const std::string_view f = fields[size_t(n - dim + i)];
      numbers = parse_float(f.data(), f.data() + f.size(), &out[i]) == f.data() + f.size() &&
                (allow_non_finite || std::isfinite(out[i]));
    }
    if (numbers) {
      const std::string_view last_word_field = fields[size_t(n - dim - 1)];
      *word = std::string_view(p, size_t(last_word_field.data() + last_word_field.size() - p));
      return {};
    }
  }
  return "word " + quoted(word->data(), word->data() + word->size()) + ": " + reason +
         " (the rows have " + std::to_string(dim) + ")";
}

// The word2vec header "N D" of the first line; returns where the rows start.
const char* read_header(const std::string& path, const MappedFile& file, int64_t* count,
                        int64_t* dim, VectorFileInfo& info) {
  const char* p = skip_bom(file);
  info.bom = p != file.data();
  const char* e = line_end(p, file.end());
  EMBER_CHECK(parse_header(p, e, count, dim), path,
              ":1: expected the word2vec header 'N D' (words, dimension), found ",
              quoted(p, trim_end(p, e)));
  EMBER_CHECK(*dim > 0, path, ":1: the header's dimension is 0");
  info.rows_in_file = *count;
  return e < file.end() ? e + 1 : file.end();
}

// Drops rows whose word came earlier (gensim keeps the first) and builds the index.
void drop_duplicates(WordVectors& v, VectorFileInfo& info) {
  v.index.clear();
  v.index.reserve(v.words.size());
  int64_t kept = 0;
  for (int64_t i = 0; i < v.size(); ++i) {
    auto [it, inserted] = v.index.emplace(v.words[size_t(i)], kept);
    if (!inserted) {
      if (info.duplicates++ == 0) info.first_duplicate = v.words[size_t(i)];
      continue;
    }
    if (kept != i) {
      v.words[size_t(kept)] = std::move(v.words[size_t(i)]);
      std::memmove(v.values.data() + kept * v.dim, v.values.data() + i * v.dim,
                   size_t(v.dim) * sizeof(float));
    }
    ++kept;
  }
  v.words.resize(size_t(kept));
  v.values.resize(size_t(kept * v.dim));
}

WordVectors read_text(const std::string& path, const MappedFile& file, bool header, int64_t limit,
                      bool allow_non_finite, VectorFileInfo& info) {
  const char* p = skip_bom(file);
  info.bom = p != file.data();
  const char* end = file.end();
  int64_t first_line = 1, count = -1, dim = -1;
  if (header) {
    p = read_header(path, file, &count, &dim, info);
    first_line = 2;
  }
  int64_t wanted = header ? count : std::numeric_limits<int64_t>::max();
  if (limit > 0) wanted = std::min(wanted, limit);

  // Row starts (and their trimmed ends); an empty line is allowed only at the end.
  std::vector<std::pair<const char*, const char*>> rows;
  // A row takes at least two bytes: the header's count reserves no more than the file holds.
  if (header) rows.reserve(size_t(std::min<int64_t>(wanted, (end - p) / 2 + 1)));
  while (p < end && int64_t(rows.size()) < wanted) {
    const char* e = line_end(p, end);
    const char* t = trim_end(p, e);
    if (t == p) {
      if (only_space(p, end)) {
        p = end;
        break;
      }
      EMBER_FAIL(path, ":", first_line + int64_t(rows.size()), ": empty line");
    }
    rows.emplace_back(p, t);
    p = e < end ? e + 1 : end;
  }
  const int64_t n = int64_t(rows.size());
  if (header) {
    EMBER_CHECK(n == wanted, path, ": the header says ", count, " words but the file ends after ",
                n, " (line ", first_line + n - 1, ")");
    EMBER_CHECK(limit > 0 || only_space(p, end), path, ":", first_line + n, ": more rows than the ",
                count, " the header announces");
  } else {
    EMBER_CHECK(n > 0, path, ": no vectors (the file is empty)");
    info.rows_in_file = n;
    for (const char* q = p; q < end;) {  // limit reached: count the rest for info
      const char* e = line_end(q, end);
      info.rows_in_file += trim_end(q, e) > q;
      q = e + 1;
    }
    dim = int64_t(split_fields(rows[0].first, rows[0].second).size()) - 1;
    EMBER_CHECK(dim > 0, path, ":1: a word without numbers; not a vector file");
  }

  // Each value takes at least two bytes (a digit and a separator), so a row shorter than
  // 2 * dim + 1 bytes cannot hold its numbers. Before n * dim values are allocated on the
  // header's word, the rows are checked for that; if one fails, the rows are parsed in file
  // order, each into a buffer no longer than the row can fill, and the first bad one named.
  int64_t values = 0;
  bool plausible = checked_mul(n, dim, &values);
  for (int64_t i = 0; i < n && plausible; ++i)
    plausible = (rows[size_t(i)].second - rows[size_t(i)].first) / 2 >= dim;
  if (!plausible) {
    for (int64_t i = 0; i < n; ++i) {
      const auto [row, row_end] = rows[size_t(i)];
      std::vector<float> scratch(size_t(std::min<int64_t>(dim, (row_end - row) / 2 + 1)));
      std::string_view word;
      const std::string reason =
          parse_text_row(row, row_end, dim, &word, scratch.data(), allow_non_finite);
      EMBER_CHECK(reason.empty(), path, ":", first_line + i, ": ", reason);
    }
    EMBER_FAIL(path, ": ", n, " rows of dimension ", dim, " do not fit in the file");
  }

  WordVectors v;
  v.dim = dim;
  v.words.resize(size_t(n));
  v.values.resize(size_t(values));
  std::mutex mutex;
  int64_t bad_row = n;
  std::string bad_reason;
  parallel_for(n, 4096, [&](int64_t begin, int64_t stop) {
    for (int64_t i = begin; i < stop; ++i) {
      std::string_view word;
      std::string reason = parse_text_row(rows[size_t(i)].first, rows[size_t(i)].second, dim, &word,
                                          v.values.data() + i * dim, allow_non_finite);
      if (!reason.empty()) {
        std::lock_guard<std::mutex> lock(mutex);
        if (i < bad_row) {
          bad_row = i;
          bad_reason = std::move(reason);
        }
        return;
      }
      v.words[size_t(i)].assign(word.data(), word.size());
    }
  });
  EMBER_CHECK(bad_row == n, path, ":", first_line + bad_row, ": ", bad_reason);
  info.rows_read = n;
  return v;
}

WordVectors read_binary(const std::string& path, const MappedFile& file, int64_t limit,
                        bool allow_non_finite, VectorFileInfo& info) {
  const char* p = file.data();
  const char* end = file.end();
  int64_t count = 0, dim = 0;
  p = read_header(path, file, &count, &dim, info);
  const int64_t n = limit > 0 ? std::min(count, limit) : count;
  int64_t row_bytes_signed = 0;
  EMBER_CHECK(checked_mul(dim, int64_t(sizeof(float)), &row_bytes_signed), path,
              ":1: the header's dimension ", dim, " is too large: a row of ", dim,
              " float32 values would be more than 2^63 bytes");
  const size_t row_bytes = size_t(row_bytes_signed);
  // No more rows are allocated than the bytes after the header can hold: a header that
  // claims more is found truncated at the row where the bytes run out.
  const int64_t capacity = std::min(n, (end - p) / row_bytes_signed);
  WordVectors v;
  v.dim = dim;
  v.words.resize(size_t(capacity));
  v.values.resize(size_t(capacity * dim));
  for (int64_t i = 0; i < n; ++i) {
    while (p < end && *p == '\n') ++p;  // word2vec.c ends each row with '\n'
    EMBER_CHECK(p < end, path, ": truncated: the header says ", count,
                " words but the file ends after ", i);
    const char* space = static_cast<const char*>(
        std::memchr(p, ' ', size_t(std::min<int64_t>(end - p, kMaxWordBytes))));
    EMBER_CHECK(space, path, ": row ", i + 1, " (byte ", p - file.data(),
                "): no space after the word ", quoted(p, std::min(end, p + 40)),
                "; truncated, or not a word2vec binary file");
    EMBER_CHECK(space > p, path, ": row ", i + 1, " (byte ", p - file.data(), "): empty word");
    EMBER_CHECK(size_t(end - space - 1) >= row_bytes, path, ": truncated: row ", i + 1, " (word ",
                quoted(p, space), ") needs ", row_bytes, " bytes of vector, ", end - space - 1,
                " left");
    EMBER_CHECK(i < capacity, path, ": row ", i + 1, " lies past the end of the file");
    v.words[size_t(i)].assign(p, size_t(space - p));
    std::memcpy(v.values.data() + i * dim, space + 1, row_bytes);
    if (!allow_non_finite) {
      const float* row = v.values.data() + i * dim;
      for (int64_t j = 0; j < dim; ++j)
        EMBER_CHECK(std::isfinite(row[j]), path, ": row ", i + 1, " (word ", quoted(p, space),
                    "): value ", j + 1, " (", row[j], ")", non_finite_note);
    }
    p = space + 1 + row_bytes;
  }
  EMBER_CHECK(limit > 0 || only_space(p, end), path, ": ", end - p, " bytes after the ", count,
              " rows the header announces (byte ", p - file.data(), ")");
  info.rows_read = n;
  return v;
}

// A fastText model's vector table: its dictionary words' vectors (the first `limit`).
WordVectors read_fasttext_table(const std::string& path, const VectorReadOptions& options,
                                VectorFileInfo& info) {
  FastTextReadOptions read;
  read.old_format = options.format == VectorFormat::kFastTextOld;
  const FastTextBin model = read_fasttext_bin(path, read);
  WordVectors v = model.word_vectors();
  info.file_bytes = model.file_bytes;
  info.rows_in_file = v.size();
  if (options.limit > 0 && options.limit < v.size()) {
    v.words.resize(size_t(options.limit));
    v.values.resize(size_t(options.limit * v.dim));
    v.build_index();
  }
  info.rows_read = v.size();
  info.model_summary = fasttext_summary(model);
  if (!options.allow_non_finite) {
    for (int64_t i = 0; i < v.size(); ++i)
      for (int64_t j = 0; j < v.dim; ++j)
        EMBER_CHECK(std::isfinite(v.row(i)[j]), path, ": the vector of '", v.words[size_t(i)],
                    "' (dictionary entry ", i, "), value ", j, non_finite_note);
  }
  return v;
}

VectorFormat detect(const std::string& path, const MappedFile& file) {
  const char* p = skip_bom(file);
  const char* end = file.end();
  EMBER_CHECK(file.size() > 0, path, ": empty file, not a vector file");
  int32_t magic = 0;
  if (file.size() >= int64_t(sizeof magic)) std::memcpy(&magic, file.data(), sizeof magic);
  if (magic == kFastTextMagic) return VectorFormat::kFastTextBin;
  const char* e = line_end(p, end);
  // The first line must be text whatever the format (a binary file starts with the text
  // header); bytes that are not text are named, never guessed at or printed.
  const char* bad = first_non_text(p, e);
  EMBER_CHECK(bad == e, path, ":1: cannot recognise the format: byte ", bad - file.data(),
              " of the first line is ", quoted(bad, std::min(e, bad + 1)),
              ", not text; expected a word2vec header 'N D' or a GloVe row 'word x1 x2 ...' (a ",
              "fastText model from before fastText 0.2, without a magic number, is read with ",
              "--format fasttext-old)");
  int64_t count = 0, dim = 0;
  if (parse_header(p, e, &count, &dim)) {
    // Text if the first row is a word and `dim` numbers ending its line; else binary.
    const char* row = e < end ? e + 1 : end;
    while (row < end && *row == '\n') ++row;
    if (row == end || dim == 0) return VectorFormat::kWord2VecText;
    const char* row_end = trim_end(row, line_end(row, end));
    // A row shorter than 2 * dim + 1 bytes cannot hold dim numbers (see read_text): the
    // scratch buffer needs no more than the row can fill.
    if ((row_end - row) / 2 < dim) return VectorFormat::kWord2VecBinary;
    std::vector<float> scratch(static_cast<size_t>(dim));
    std::string_view word;
    const bool text = parse_text_row(row, row_end, dim, &word, scratch.data(), true).empty() &&
                      word.find('\0') == std::string_view::npos;
    return text ? VectorFormat::kWord2VecText : VectorFormat::kWord2VecBinary;
  }
  const size_t fields = split_fields(p, trim_end(p, e)).size();
  EMBER_CHECK(fields >= 2, path, ":1: cannot tell the format: the first line is neither a ",
              "word2vec header 'N D' nor a word with numbers (GloVe)");
  return VectorFormat::kGloVe;
}

}  // namespace

VectorFormat parse_vector_format(std::string_view name) {
  if (name == "auto") return VectorFormat::kAuto;
  if (name == "w2v-text" || name == "text" || name == "word2vec")
    return VectorFormat::kWord2VecText;
  if (name == "w2v-bin" || name == "bin" || name == "binary") return VectorFormat::kWord2VecBinary;
  if (name == "glove") return VectorFormat::kGloVe;
  if (name == "vec") return VectorFormat::kVec;
  if (name == "fasttext-bin") return VectorFormat::kFastTextBin;
  if (name == "fasttext-old") return VectorFormat::kFastTextOld;
  EMBER_FAIL("unknown vector format '", name,
             "' (one of auto, w2v-text, w2v-bin, glove, vec, fasttext-bin, fasttext-old)");
}

const char* vector_format_name(VectorFormat format) {
  switch (format) {
    case VectorFormat::kAuto:
      return "auto";
    case VectorFormat::kWord2VecText:
      return "w2v-text";
    case VectorFormat::kWord2VecBinary:
      return "w2v-bin";
    case VectorFormat::kGloVe:
      return "glove";
    case VectorFormat::kVec:
      return "vec";
    case VectorFormat::kFastTextBin:
      return "fasttext-bin";
    case VectorFormat::kFastTextOld:
      return "fasttext-old";
  }
  return "?";
}

WordVectors WordVectors::from_rows(std::vector<std::string> words, std::vector<float> values,
                                   int64_t dim) {
  EMBER_CHECK(dim > 0, "WordVectors: dimension must be positive, got ", dim);
  EMBER_CHECK(int64_t(values.size()) == int64_t(words.size()) * dim, "WordVectors: ", words.size(),
              " words need ", int64_t(words.size()) * dim, " values, got ", values.size());
  WordVectors v;
  v.words = std::move(words);
  v.values = std::move(values);
  v.dim = dim;
  v.build_index();
  return v;
}

void WordVectors::build_index() {
  index.clear();
  index.reserve(words.size());
  for (size_t i = 0; i < words.size(); ++i) {
    EMBER_CHECK(!words[i].empty(), "WordVectors: row ", i, " has an empty word");
    EMBER_CHECK(index.emplace(words[i], int64_t(i)).second, "WordVectors: word '", words[i],
                "' appears twice (rows ", index.at(words[i]), " and ", i, ")");
  }
}

int64_t WordVectors::find(const std::string& word) const {
  auto it = index.find(word);
  return it == index.end() ? -1 : it->second;
}

Tensor WordVectors::to_tensor() const { return tensor(values, {size(), dim}); }

VectorFormat detect_vector_format(const std::string& path) {
  if (is_fasttext_bin(path)) return VectorFormat::kFastTextBin;
  MappedFile file(path);
  return detect(path, file);
}

WordVectors read_vectors(const std::string& path, const VectorReadOptions& options,
                         VectorFileInfo* info_out) {
  EMBER_CHECK(options.limit >= 0, "read_vectors: limit must be >= 0, got ", options.limit);
  VectorFileInfo info;
  // A fastText model is read by its own reader, which maps the file without reading it all
  // in first: the file is not mapped here as well.
  if (options.format == VectorFormat::kFastTextBin ||
      options.format == VectorFormat::kFastTextOld ||
      (options.format == VectorFormat::kAuto && is_fasttext_bin(path))) {
    info.format = options.format == VectorFormat::kFastTextOld ? VectorFormat::kFastTextOld
                                                               : VectorFormat::kFastTextBin;
    WordVectors v = read_fasttext_table(path, options, info);
    if (info_out) *info_out = info;
    return v;
  }
  MappedFile file(path);
  EMBER_CHECK(file.size() > 0, path, ": empty file, not a vector file");
  info.file_bytes = file.size();
  info.format = options.format == VectorFormat::kAuto ? detect(path, file) : options.format;
  WordVectors v;
  switch (info.format) {
    case VectorFormat::kFastTextBin:  // read above
    case VectorFormat::kFastTextOld:
      break;
    case VectorFormat::kWord2VecBinary:
      v = read_binary(path, file, options.limit, options.allow_non_finite, info);
      break;
    case VectorFormat::kGloVe:
      v = read_text(path, file, /*header=*/false, options.limit, options.allow_non_finite, info);
      break;
    default:
      v = read_text(path, file, /*header=*/true, options.limit, options.allow_non_finite, info);
      break;
  }
  drop_duplicates(v, info);
  if (info_out) *info_out = info;
  return v;
}

}  // namespace ember::data
