#include <ember/data/encoded_corpus_file.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include <ember/data/temp_file.h>
#include <ember/nn/serialize.h>
#include <ember/tensor/error.h>

namespace ember::data {

namespace {

constexpr char kMagic[8] = {'E', 'M', 'B', 'E', 'R', 'I', 'D', 'S'};
constexpr uint32_t kVersion = 1;

struct Header {
  char magic[8];
  uint32_t version;
  uint32_t zero;
  int64_t vocab_size, ids, sentences, raw_tokens, longest;
  int64_t reserved;
};
static_assert(sizeof(Header) == 64, "the header is 64 bytes");

// Reads `bytes` at `offset`; a file that ends before them is truncated.
void read_at(int fd, void* out, int64_t bytes, int64_t offset, const std::string& path) {
  char* p = static_cast<char*>(out);
  while (bytes > 0) {
    const ssize_t n = ::pread(fd, p, size_t(bytes), off_t(offset));
    if (n < 0 && errno == EINTR) continue;
    EMBER_CHECK(n >= 0, "EncodedCorpusFile: cannot read ", path, ": ", std::strerror(errno));
    EMBER_CHECK(n > 0, "EncodedCorpusFile: ", path, " ends at byte ", offset,
                ", before the end its header gives (truncated?)");
    p += n, bytes -= n, offset += n;
  }
}

// 64 + 4 N + 8 (S + 1), or -1 when that does not fit int64.
int64_t file_bytes(int64_t ids, int64_t sentences) {
  int64_t id_bytes = 0, start_bytes = 0, total = 0;
  if (ids < 0 || sentences < 0 || __builtin_mul_overflow(ids, int64_t(4), &id_bytes) ||
      __builtin_mul_overflow(sentences + 1, int64_t(8), &start_bytes) ||
      __builtin_add_overflow(id_bytes, start_bytes, &total) ||
      __builtin_add_overflow(total, int64_t(sizeof(Header)), &total))
    return -1;
  return total;
}

struct CloseFile {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
using FilePtr = std::unique_ptr<std::FILE, CloseFile>;

}  // namespace

struct EncodedCorpusFile::State {
  std::string path;
  int fd = -1;
  Header header{};
  bool remove = false;
  std::atomic<int64_t> buffer_bytes{0}, peak_buffer_bytes{0};

  ~State() {
    if (fd >= 0) ::close(fd);
    if (remove) std::remove(path.c_str());
  }
  int64_t ids_offset() const { return int64_t(sizeof(Header)); }
  int64_t starts_offset() const { return int64_t(sizeof(Header)) + 4 * header.ids; }
};

EncodedCorpusFile EncodedCorpusFile::encode(const std::string& text_path, const Vocabulary& vocab,
                                            const std::string& path, int64_t max_sentence) {
  EMBER_CHECK(max_sentence > 0 && max_sentence <= EncodedCorpus::kMaxSentence,
              "EncodedCorpusFile: max_sentence must be in 1..", EncodedCorpus::kMaxSentence,
              ", got ", max_sentence);
  const std::filesystem::path target(path);
  const std::string directory =
      target.has_parent_path() ? target.parent_path().string() : std::string(".");
  const std::string name = target.filename().string();
  // The ids go to one temporary file, the starts to another, appended to it at the end.
  TempFile ids_temp(directory, "." + name + ".tmp"), starts_temp(directory, "." + name + ".st");
  FilePtr ids_file(open_file(ids_temp.path(), "wb"));
  FilePtr starts_file(open_file(starts_temp.path(), "w+b"));
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kVersion;
  h.vocab_size = vocab.size();
  write_items(ids_file.get(), &h, sizeof h, 1, ids_temp.path());

  constexpr size_t kBuffer = 1 << 16;
  std::vector<int32_t> ids;
  std::vector<int64_t> starts = {0};
  ids.reserve(kBuffer);
  starts.reserve(kBuffer);
  const auto flush_ids = [&] {
    write_items(ids_file.get(), ids.data(), sizeof(int32_t), ids.size(), ids_temp.path());
    ids.clear();
  };
  const auto flush_starts = [&] {
    write_items(starts_file.get(), starts.data(), sizeof(int64_t), starts.size(),
                starts_temp.path());
    starts.clear();
  };
  h.raw_tokens = EncodedCorpus::for_each_sentence(text_path, vocab, max_sentence,
                                                  [&](const int32_t* sentence, int64_t n) {
                                                    for (int64_t i = 0; i < n; ++i) {
                                                      ids.push_back(sentence[i]);
                                                      if (ids.size() == kBuffer) flush_ids();
                                                    }
                                                    h.ids += n;
                                                    h.sentences += 1;
                                                    h.longest = std::max(h.longest, n);
                                                    starts.push_back(h.ids);
                                                    if (starts.size() == kBuffer) flush_starts();
                                                  });
  flush_ids();
  flush_starts();
  std::rewind(starts_file.get());
  std::vector<int64_t> chunk(kBuffer);
  while (const size_t n = read_items(starts_file.get(), chunk.data(), sizeof(int64_t), kBuffer,
                                     starts_temp.path()))
    write_items(ids_file.get(), chunk.data(), sizeof(int64_t), n, ids_temp.path());
  EMBER_CHECK(std::fseek(ids_file.get(), 0, SEEK_SET) == 0, "cannot seek in ", ids_temp.path(),
              ": ", std::strerror(errno));
  write_items(ids_file.get(), &h, sizeof h, 1, ids_temp.path());
  close_durably(ids_file.release(), ids_temp.path());
  EMBER_CHECK(std::rename(ids_temp.path().c_str(), path.c_str()) == 0, "EncodedCorpusFile: cannot ",
              "rename ", ids_temp.path(), " to ", path, ": ", std::strerror(errno));
  ids_temp.release();
  nn::sync_directory_of(path);
  return EncodedCorpusFile(path);
}

EncodedCorpusFile::EncodedCorpusFile(const std::string& path) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.path = path;
  s.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  EMBER_CHECK(s.fd >= 0, "EncodedCorpusFile: cannot open ", path, ": ", std::strerror(errno));
  struct stat st {};
  EMBER_CHECK(::fstat(s.fd, &st) == 0 && S_ISREG(st.st_mode), "EncodedCorpusFile: ", path,
              " is not a regular file");
  EMBER_CHECK(st.st_size >= int64_t(sizeof(Header)), "EncodedCorpusFile: ", path, " has ",
              st.st_size, " bytes, fewer than the ", sizeof(Header), "-byte header");
  Header& h = s.header;
  read_at(s.fd, &h, sizeof h, 0, path);
  EMBER_CHECK(std::memcmp(h.magic, kMagic, sizeof kMagic) == 0 && h.version == kVersion,
              "EncodedCorpusFile: ", path,
              " is not an encoded corpus of version 1 made on a machine of this byte order");
  EMBER_CHECK(h.vocab_size >= 0 && h.vocab_size <= (int64_t(1) << 31) && h.ids >= 0 &&
                  h.sentences >= 0 && h.raw_tokens >= h.ids && h.longest >= 0 &&
                  h.longest <= EncodedCorpus::kMaxSentence && (h.ids == 0) == (h.sentences == 0) &&
                  (h.ids == 0) == (h.longest == 0),
              "EncodedCorpusFile: ", path, ": its header is inconsistent (vocabulary ",
              h.vocab_size, ", ", h.ids, " ids, ", h.sentences, " sentences, ", h.raw_tokens,
              " raw tokens, longest sentence ", h.longest, ")");
  const int64_t expected = file_bytes(h.ids, h.sentences);
  EMBER_CHECK(expected >= 0, "EncodedCorpusFile: ", path, ": its header's ", h.ids, " ids and ",
              h.sentences, " sentences take more bytes than a file can hold");
  EMBER_CHECK(expected == st.st_size, "EncodedCorpusFile: ", path, " has ", st.st_size,
              " bytes, but its header's ", h.ids, " ids and ", h.sentences, " sentences take ",
              expected, " (truncated, or not written whole)");
  EMBER_CHECK(sentence_start(0) == 0 && sentence_start(h.sentences) == h.ids,
              "EncodedCorpusFile: ", path, ": its sentence starts do not run from 0 to its ", h.ids,
              " ids");
}

EncodedCorpusFile::~EncodedCorpusFile() = default;
EncodedCorpusFile::EncodedCorpusFile(EncodedCorpusFile&&) noexcept = default;
EncodedCorpusFile& EncodedCorpusFile::operator=(EncodedCorpusFile&&) noexcept = default;

const std::string& EncodedCorpusFile::path() const { return state_->path; }
int64_t EncodedCorpusFile::vocab_size() const { return state_->header.vocab_size; }
int64_t EncodedCorpusFile::num_ids() const { return state_->header.ids; }
int64_t EncodedCorpusFile::num_sentences() const { return state_->header.sentences; }
int64_t EncodedCorpusFile::raw_tokens() const { return state_->header.raw_tokens; }
int64_t EncodedCorpusFile::longest_sentence() const { return state_->header.longest; }

void EncodedCorpusFile::read_ids(int64_t first, int64_t count, int32_t* out) const {
  const State& s = *state_;
  EMBER_CHECK(first >= 0 && count >= 0 && count <= s.header.ids - first,
              "EncodedCorpusFile::read_ids: ids [", first, ", ", first + count,
              ") outside the file's ", s.header.ids);
  read_at(s.fd, out, 4 * count, s.ids_offset() + 4 * first, s.path);
  const int64_t V = s.header.vocab_size;
  for (int64_t i = 0; i < count; ++i)
    EMBER_CHECK(out[i] >= 0 && out[i] < V, "EncodedCorpusFile: ", s.path, ": id ", out[i],
                " at position ", first + i, " is outside its vocabulary of ", V,
                " words (a damaged file)");
}

void EncodedCorpusFile::read_starts(int64_t first, int64_t count, int64_t* out) const {
  const State& s = *state_;
  const Header& h = s.header;
  EMBER_CHECK(first >= 0 && count >= 0 && count <= h.sentences + 1 - first,
              "EncodedCorpusFile::read_starts: starts [", first, ", ", first + count,
              ") outside the file's ", h.sentences + 1);
  read_at(s.fd, out, 8 * count, s.starts_offset() + 8 * first, s.path);
  for (int64_t i = 0; i < count; ++i) {
    const int64_t length = i > 0 ? out[i] - out[i - 1] : 1;
    EMBER_CHECK(out[i] >= 0 && out[i] <= h.ids && length >= 1 && length <= h.longest,
                "EncodedCorpusFile: ", s.path, ": sentence ", first + i, " starts at ", out[i],
                i > 0 ? detail::str(", ", length, " ids after the one before") : std::string(),
                "; starts must increase by 1 to ", h.longest, " (the longest sentence) within [0, ",
                h.ids, "] (a damaged file)");
  }
}

int64_t EncodedCorpusFile::sentence_start(int64_t s) const {
  int64_t start = 0;
  read_starts(s, 1, &start);
  return start;
}

std::vector<int64_t> EncodedCorpusFile::split(int64_t parts) const {
  return split_sentences(num_sentences(), num_ids(), parts,
                         [this](int64_t s) { return sentence_start(s); });
}

void EncodedCorpusFile::add_buffer_bytes(int64_t bytes) const {
  const int64_t now = state_->buffer_bytes.fetch_add(bytes) + bytes;
  int64_t peak = state_->peak_buffer_bytes.load();
  while (now > peak && !state_->peak_buffer_bytes.compare_exchange_weak(peak, now)) {
  }
}

int64_t EncodedCorpusFile::peak_buffer_bytes() const { return state_->peak_buffer_bytes.load(); }

void EncodedCorpusFile::remove_when_closed() { state_->remove = true; }

}  // namespace ember::data
