// fastText .bin models (see fasttext_bin.h): read from the mapped file with every field
// checked against the bytes left, written through the atomic writer.
#include <ember/data/fasttext_bin.h>

#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include <ember/data/fasttext_ngrams.h>
#include <ember/data/internal/vector_text.h>
#include <ember/tensor/error.h>
#include <ember/tensor/parallel.h>

namespace ember::data {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "fastText .bin files are read and written as little-endian bytes");

namespace {

constexpr const char* kEos = "</s>";

// Reads fields in order from the mapped file; each read checks the bytes left and names the
// field and its offset when they are too few.
class Cursor {
 public:
  Cursor(const std::string& path, const char* data, size_t size)
      : path_(path), data_(data), size_(size) {}

  size_t offset() const { return offset_; }
  void rewind() { offset_ = 0; }
  size_t left() const { return size_ - offset_; }
  const std::string& path() const { return path_; }

  void need(size_t n, const char* field) const {
    EMBER_CHECK(n <= left(), path_, ": truncated fastText model: ", field, " at byte ", offset_,
                " needs ", n, " bytes, ", left(), " left");
  }

  template <typename T>
  T read(const char* field) {
    need(sizeof(T), field);
    T value;
    std::memcpy(&value, data_ + offset_, sizeof(T));
    offset_ += sizeof(T);
    return value;
  }

  // A NUL-terminated string.
  std::string_view read_cstring(const char* field) {
    const void* nul = std::memchr(data_ + offset_, '\0', left());
    EMBER_CHECK(nul, path_, ": truncated fastText model: ", field, " at byte ", offset_,
                " has no terminating NUL before the end of the file");
    const size_t n = size_t(static_cast<const char*>(nul) - (data_ + offset_));
    std::string_view s(data_ + offset_, n);
    offset_ += n + 1;
    return s;
  }

  // Copies the floats a block at a time, giving back the file's pages of each block once
  // copied, so that a model's matrices are held once in memory, not twice.
  void read_floats(float* out, size_t count, const detail::MappedFile& file) {
    const size_t block = size_t(1) << 24;  // floats
    for (size_t done = 0; done < count; done += block) {
      const size_t n = std::min(block, count - done);
      const char* from = data_ + offset_ + done * sizeof(float);
      std::memcpy(out + done, from, n * sizeof(float));
      file.release(from, from + n * sizeof(float));
    }
    offset_ += count * sizeof(float);
  }

 private:
  const std::string& path_;
  const char* data_;
  size_t size_;
  size_t offset_ = 0;
};

// int64 m, n then m * n floats; n must be the model's dim.
std::vector<float> read_matrix(Cursor& in, const detail::MappedFile& file, const char* name,
                               int32_t dim, int64_t* rows) {
  const size_t at = in.offset();
  const int64_t m = in.read<int64_t>(name);
  const int64_t n = in.read<int64_t>(name);
  EMBER_CHECK(m >= 0 && n == dim, in.path(), ": corrupt fastText model: the ", name, " at byte ",
              at, " is ", m, " x ", n, "; expected m >= 0 rows and ", dim,
              " columns (the model's dim)");
  int64_t count = 0, bytes = 0;
  EMBER_CHECK(
      checked_mul(m, n, &count) && checked_mul(count, 4, &bytes) && uint64_t(bytes) <= in.left(),
      in.path(), ": truncated fastText model: the ", name, " at byte ", at, " holds ", m, " x ", n,
      " floats, more than the ", in.left(), " bytes left");
  std::vector<float> values(static_cast<size_t>(count));
  in.read_floats(values.data(), size_t(count), file);
  *rows = m;
  return values;
}

void write_raw(detail::AtomicWriter& out, const void* p, size_t n) {
  out.write(static_cast<const char*>(p), n);
}

template <typename T>
void write_value(detail::AtomicWriter& out, T value) {
  write_raw(out, &value, sizeof(T));
}

}  // namespace

const char* fasttext_model_name(int32_t model) {
  switch (model) {
    case FastTextArgs::kCbow:
      return "cbow";
    case FastTextArgs::kSkipgram:
      return "skipgram";
    case FastTextArgs::kSupervised:
      return "supervised";
  }
  return "?";
}

const char* fasttext_loss_name(int32_t loss) {
  switch (loss) {
    case FastTextArgs::kHs:
      return "hs";
    case FastTextArgs::kNs:
      return "ns";
    case FastTextArgs::kSoftmax:
      return "softmax";
    case FastTextArgs::kOva:
      return "ova";
  }
  return "?";
}

void FastTextBin::build_index(const std::string& where) {
  const int64_t size = int64_t(words.size());
  EMBER_CHECK(int64_t(counts.size()) == size && int64_t(types.size()) == size && nwords >= 0 &&
                  nlabels >= 0 && int64_t(nwords) + nlabels == size,
              where, ": the dictionary's ", size, " entries are not its ", nwords, " words and ",
              nlabels, " labels");
  EMBER_CHECK(args.dim > 0, where, ": dim must be positive, got ", args.dim);
  EMBER_CHECK(args.maxn <= 0 || (args.minn >= 1 && args.minn <= args.maxn), where,
              ": need 1 <= minn <= maxn when maxn > 0, got minn ", args.minn, ", maxn ", args.maxn);
  EMBER_CHECK(args.bucket >= 0 && (args.maxn <= 0 || args.bucket > 0), where,
              ": bucket must be positive when maxn > 0, got ", args.bucket);
  EMBER_CHECK(int64_t(nwords) + args.bucket <= INT32_MAX, where, ": ", nwords, " words + ",
              args.bucket, " buckets do not fit fastText's int32 ids");
  const bool pruned = pruneidx_size >= 0;
  EMBER_CHECK(!pruned || int64_t(prune_pairs.size()) == pruneidx_size, where, ": pruneidx_size ",
              pruneidx_size, " but ", prune_pairs.size(), " pairs");
  // Both matrices empty: they live elsewhere (the row-callback write_fasttext_bin).
  int64_t count = 0;
  const bool elsewhere = input.empty() && output.empty();
  EMBER_CHECK(input_rows >= 0 && output_rows >= 0 && checked_mul(input_rows, args.dim, &count) &&
                  (elsewhere || int64_t(input.size()) == count) &&
                  checked_mul(output_rows, args.dim, &count) &&
                  (elsewhere || int64_t(output.size()) == count),
              where, ": the matrices' sizes do not match their rows and dim ", args.dim);
  // Every row an n-gram can reach must exist: nwords + bucket rows, or nwords + each kept
  // bucket's row when pruned.
  if (ngram_maxn() > 0 && !pruned)
    EMBER_CHECK(input_rows >= int64_t(nwords) + args.bucket, where, ": the input matrix has ",
                input_rows, " rows, fewer than the ", nwords, " words + ", args.bucket, " buckets");
  EMBER_CHECK(input_rows >= nwords, where, ": the input matrix has ", input_rows,
              " rows, fewer than the ", nwords, " words");
  std::unordered_map<int32_t, int32_t> prune;
  for (const auto& [bucket, row] : prune_pairs) {
    EMBER_CHECK(
        bucket >= 0 && bucket < args.bucket && row >= 0 && int64_t(nwords) + row < input_rows,
        where, ": pruned n-gram (bucket ", bucket, ", row ", row, ") lies outside the ",
        args.bucket, " buckets or the input matrix's ", input_rows, " rows");
    prune[bucket] = row;
  }

  index.clear();
  index.reserve(words.size());
  subword_offsets.assign(1, 0);
  subword_offsets.reserve(words.size() + 1);
  subword_ids.clear();
  const int32_t maxn = ngram_maxn();
  const SubwordOptions options{args.minn, maxn, std::max<int64_t>(args.bucket, 1)};
  std::vector<int32_t> ngrams;
  for (int64_t i = 0; i < size; ++i) {
    EMBER_CHECK(types[size_t(i)] == (i < nwords ? 0 : 1), where, ": entry ", i, " ('",
                words[size_t(i)], "') has type ", int(types[size_t(i)]), "; the ", nwords,
                " words (type 0) come first, then the labels (type 1)");
    EMBER_CHECK(index.emplace(words[size_t(i)], int32_t(i)).second, where, ": the word '",
                words[size_t(i)], "' appears twice in the dictionary (entries ",
                index.at(words[size_t(i)]), " and ", i, ")");
    subword_ids.push_back(int32_t(i));
    if (words[size_t(i)] != kEos && maxn > 0) {
      ngrams.clear();
      compute_subwords(words[size_t(i)], options, nwords, ngrams);
      // fastText's pushHash: a pruned model keeps only the buckets in its map.
      for (int32_t id : ngrams) {
        if (!pruned) {
          subword_ids.push_back(id);
        } else if (auto it = prune.find(id - nwords); it != prune.end()) {
          subword_ids.push_back(nwords + it->second);
        }
      }
    }
    subword_offsets.push_back(int64_t(subword_ids.size()));
  }
  prune_map = std::move(prune);
}

int64_t FastTextBin::find(std::string_view word) const {
  auto it = index.find(std::string(word));
  return it == index.end() ? -1 : it->second;
}

std::vector<int32_t> FastTextBin::subwords(std::string_view word) const {
  const int64_t id = find(word);
  if (id >= 0)
    return std::vector<int32_t>(subword_ids.begin() + subword_offsets[size_t(id)],
                                subword_ids.begin() + subword_offsets[size_t(id) + 1]);
  std::vector<int32_t> ids;
  if (word == kEos || ngram_maxn() <= 0) return ids;
  compute_subwords(word, SubwordOptions{args.minn, ngram_maxn(), args.bucket}, nwords, ids);
  if (pruneidx_size < 0) return ids;
  std::vector<int32_t> kept;
  for (int32_t id : ids)
    if (auto it = prune_map.find(id - nwords); it != prune_map.end())
      kept.push_back(nwords + it->second);
  return kept;
}

void FastTextBin::word_vector(std::string_view word, float* out) const {
  const int64_t d = args.dim;
  std::fill(out, out + d, 0.0f);
  const int64_t id = find(word);
  std::vector<int32_t> oov;
  const int32_t* begin;
  const int32_t* end;
  if (id >= 0) {
    begin = subword_ids.data() + subword_offsets[size_t(id)];
    end = subword_ids.data() + subword_offsets[size_t(id) + 1];
  } else {
    oov = subwords(word);
    begin = oov.data();
    end = oov.data() + oov.size();
  }
  for (const int32_t* r = begin; r != end; ++r) {
    const float* row = input.data() + int64_t(*r) * d;
    for (int64_t j = 0; j < d; ++j) out[j] += row[j];
  }
  // fastText's Vector::mul(1.0 / n): the scale is rounded to float, then multiplied.
  if (end != begin) {
    const float scale = float(1.0 / double(end - begin));
    for (int64_t j = 0; j < d; ++j) out[j] *= scale;
  }
}

std::vector<float> FastTextBin::word_vector(std::string_view word) const {
  std::vector<float> v(size_t(args.dim));
  word_vector(word, v.data());
  return v;
}

WordVectors FastTextBin::word_vectors() const {
  const int64_t d = args.dim;
  std::vector<float> values(size_t(nwords) * size_t(d));
  parallel_for(nwords, 1024, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) word_vector(words[size_t(i)], values.data() + i * d);
  });
  return WordVectors::from_rows(std::vector<std::string>(words.begin(), words.begin() + nwords),
                                std::move(values), d);
}

std::string fasttext_summary(const FastTextBin& m) {
  const FastTextArgs& a = m.args;
  std::string s = std::string("fastText ") + fasttext_model_name(a.model) + " model (" +
                  (m.version == 0 ? std::string("the format before fastText 0.2")
                                  : "version " + std::to_string(m.version)) +
                  ", loss " + fasttext_loss_name(a.loss) + "), dim " + std::to_string(a.dim) +
                  ", " + std::to_string(m.nwords) + " words";
  if (m.ngram_maxn() > 0)
    s += ", character n-grams " + std::to_string(a.minn) + " to " + std::to_string(m.ngram_maxn()) +
         " in " + std::to_string(a.bucket) + " buckets" +
         (m.pruneidx_size >= 0 ? " (" + std::to_string(m.pruneidx_size) + " kept)" : "");
  else
    s += ", no character n-grams (a word outside the vocabulary has the zero vector)";
  if (a.word_ngrams > 1) s += ", word n-grams up to " + std::to_string(a.word_ngrams);
  if (m.is_supervised())
    s += "; supervised: " + std::to_string(m.nlabels) + " labels" +
         (m.nlabels > 0 ? " (e.g. " + m.words[size_t(m.nwords)] + ")" : std::string()) +
         "; ember reads its word vectors, not its classifier (ember classify trains its own)";
  return s;
}

bool is_fasttext_bin(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 8) return false;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  int32_t magic = 0;
  const bool ok = std::fread(&magic, sizeof magic, 1, f) == 1;
  std::fclose(f);
  return ok && magic == kFastTextMagic;
}

FastTextBin read_fasttext_bin(const std::string& path, const FastTextReadOptions& options) {
  detail::MappedFile file(path, /*populate=*/false);
  Cursor in(path, file.data(), file.size());
  FastTextBin model;
  model.file_bytes = file.size();

  EMBER_CHECK(file.size() >= 8, path, ": ", file.size(),
              " bytes, too short for a fastText model (magic number and version)");
  const int32_t magic = in.read<int32_t>("magic number");
  // Before fastText 0.2 a model had no magic number and version: it began with args.dim and
  // args.ws, its dictionary had no pruneidx_size, and no quant flags preceded the matrices.
  // Such a file is read when told (old_format), as gensim reads it.
  const bool old = magic != kFastTextMagic && options.old_format;
  EMBER_CHECK(magic == kFastTextMagic || old, path, ": not a fastText model: byte 0 holds ", magic,
              ", not fastText's magic number ", kFastTextMagic,
              " (a model from fastText before 0.2 has none: --format fasttext-old reads it)");
  if (old) {
    model.version = 0;
    in.rewind();
  } else {
    model.version = in.read<int32_t>("version");
    EMBER_CHECK(model.version >= 11 && model.version <= kFastTextVersion, path,
                ": fastText model version ", model.version,
                " at byte 4; ember reads versions 11 to ", kFastTextVersion,
                " (fastText 0.9.2 writes ", kFastTextVersion, ")");
  }

  FastTextArgs& a = model.args;
  const size_t args_at = in.offset();
  a.dim = in.read<int32_t>("args.dim");
  a.ws = in.read<int32_t>("args.ws");
  a.epoch = in.read<int32_t>("args.epoch");
  a.min_count = in.read<int32_t>("args.minCount");
  a.neg = in.read<int32_t>("args.neg");
  a.word_ngrams = in.read<int32_t>("args.wordNgrams");
  a.loss = in.read<int32_t>("args.loss");
  a.model = in.read<int32_t>("args.model");
  a.bucket = in.read<int32_t>("args.bucket");
  a.minn = in.read<int32_t>("args.minn");
  a.maxn = in.read<int32_t>("args.maxn");
  a.lr_update_rate = in.read<int32_t>("args.lrUpdateRate");
  a.t = in.read<double>("args.t");
  EMBER_CHECK(a.dim > 0, path, ": corrupt fastText model: args.dim at byte ", args_at, " is ",
              a.dim);
  EMBER_CHECK(a.model >= FastTextArgs::kCbow && a.model <= FastTextArgs::kSupervised, path,
              ": corrupt fastText model: args.model at byte ", args_at + 28, " is ", a.model,
              " (1 cbow, 2 skipgram, 3 supervised)");
  EMBER_CHECK(a.loss >= FastTextArgs::kHs && a.loss <= FastTextArgs::kOva, path,
              ": corrupt fastText model: args.loss at byte ", args_at + 24, " is ", a.loss,
              " (1 hs, 2 ns, 3 softmax, 4 ova)");
  EMBER_CHECK(a.maxn <= 0 || (a.minn >= 1 && a.minn <= a.maxn), path,
              ": corrupt fastText model: args.minn ", a.minn, " and maxn ", a.maxn, " (bytes ",
              args_at + 36, " and ", args_at + 40, ") need 1 <= minn <= maxn");
  EMBER_CHECK(a.bucket >= 0 && (a.maxn <= 0 || a.bucket > 0), path,
              ": corrupt fastText model: args.bucket at byte ", args_at + 32, " is ", a.bucket);

  const size_t dict_at = in.offset();
  const int32_t size = in.read<int32_t>("dictionary size");
  model.nwords = in.read<int32_t>("dictionary nwords");
  model.nlabels = in.read<int32_t>("dictionary nlabels");
  model.ntokens = in.read<int64_t>("dictionary ntokens");
  model.pruneidx_size = old ? -1 : in.read<int64_t>("dictionary pruneidx_size");
  EMBER_CHECK(size >= 0 && model.nwords >= 0 && model.nlabels >= 0 &&
                  int64_t(model.nwords) + model.nlabels == size,
              path, ": corrupt fastText model: the dictionary at byte ", dict_at, " has size ",
              size, " but ", model.nwords, " words and ", model.nlabels, " labels");
  // fastText's dictionary always holds a word ("</s>" at least); with one, the input matrix
  // has a row, so dim is bounded by the file's size before any vector is allocated.
  EMBER_CHECK(model.nwords > 0, path, ": corrupt fastText model: the dictionary at byte ", dict_at,
              " has no words");
  EMBER_CHECK(model.pruneidx_size >= -1, path,
              ": corrupt fastText model: dictionary pruneidx_size at byte ", dict_at + 20, " is ",
              model.pruneidx_size);
  // Each entry takes at least 10 bytes (a NUL, an int64 count, an int8 type).
  int64_t entry_bytes = 0;
  EMBER_CHECK(checked_mul(size, 10, &entry_bytes) && uint64_t(entry_bytes) <= in.left(), path,
              ": truncated fastText model: the dictionary at byte ", dict_at, " announces ", size,
              " entries, more than the ", in.left(), " bytes left can hold");
  model.words.reserve(size_t(size));
  model.counts.reserve(size_t(size));
  model.types.reserve(size_t(size));
  for (int32_t i = 0; i < size; ++i) {
    const size_t at = in.offset();
    const std::string_view word = in.read_cstring("a dictionary word");
    EMBER_CHECK(!word.empty(), path, ": corrupt fastText model: dictionary entry ", i, " at byte ",
                at, " is an empty word");
    model.words.emplace_back(word);
    model.counts.push_back(in.read<int64_t>("a dictionary count"));
    model.types.push_back(in.read<int8_t>("a dictionary entry type"));
    const int8_t type = model.types.back();
    EMBER_CHECK(type == (i < model.nwords ? 0 : 1), path,
                ": corrupt fastText model: dictionary entry ", i, " at byte ", at, " has type ",
                int(type), "; the ", model.nwords,
                " words (type 0) come first, then the labels (type 1)");
  }
  if (model.pruneidx_size > 0) {
    int64_t pair_bytes = 0;
    EMBER_CHECK(
        checked_mul(model.pruneidx_size, 8, &pair_bytes) && uint64_t(pair_bytes) <= in.left(), path,
        ": truncated fastText model: ", model.pruneidx_size, " pruned n-gram pairs at byte ",
        in.offset(), " need more than the ", in.left(), " bytes left");
    model.prune_pairs.reserve(size_t(model.pruneidx_size));
    for (int64_t i = 0; i < model.pruneidx_size; ++i) {
      const int32_t first = in.read<int32_t>("a pruned n-gram bucket");
      const int32_t second = in.read<int32_t>("a pruned n-gram row");
      model.prune_pairs.emplace_back(first, second);
    }
  }

  const size_t quant_at = in.offset();
  const uint8_t quant = old ? 0 : in.read<uint8_t>("the quant_input flag");
  EMBER_CHECK(quant == 0, path, ": a quantised fastText model (.ftz; quant_input set at byte ",
              quant_at, "): ember reads dense models only; `fasttext print-word-vectors ",
              "model.ftz` prints its vectors, or use the .bin it was quantised from");
  model.input = read_matrix(in, file, "input matrix", a.dim, &model.input_rows);
  model.qout = old ? 0 : in.read<uint8_t>("the qout flag");
  model.output = read_matrix(in, file, "output matrix", a.dim, &model.output_rows);
  EMBER_CHECK(in.left() == 0, path, ": corrupt fastText model: ", in.left(),
              " bytes after the output matrix (byte ", in.offset(), ")");

  model.build_index(path);
  return model;
}

void write_fasttext_bin(const std::string& path, const FastTextBin& model) {
  const int64_t dim = model.args.dim;
  EMBER_CHECK(int64_t(model.input.size()) == model.input_rows * dim &&
                  int64_t(model.output.size()) == model.output_rows * dim,
              "write_fasttext_bin ", path, ": the matrices' sizes do not match rows x dim");
  write_fasttext_bin(
      path, model, [&](int64_t r) { return model.input.data() + r * dim; },
      [&](int64_t r) { return model.output.data() + r * dim; });
}

void write_fasttext_bin(const std::string& path, const FastTextBin& model,
                        const FastTextRow& input_row, const FastTextRow& output_row) {
  const FastTextArgs& a = model.args;
  EMBER_CHECK(int64_t(model.words.size()) == int64_t(model.nwords) + model.nlabels &&
                  model.counts.size() == model.words.size() &&
                  model.types.size() == model.words.size(),
              "write_fasttext_bin ", path, ": the dictionary's parts disagree in size");
  EMBER_CHECK(model.input_rows >= 0 && model.output_rows >= 0 && a.dim > 0, "write_fasttext_bin ",
              path, ": ", model.input_rows, " x ", a.dim, " and ", model.output_rows, " x ", a.dim,
              " matrices");
  detail::AtomicWriter out(path);
  write_value<int32_t>(out, kFastTextMagic);
  write_value<int32_t>(out, model.version == 0 ? kFastTextVersion : model.version);
  for (int32_t v : {a.dim, a.ws, a.epoch, a.min_count, a.neg, a.word_ngrams, a.loss, a.model,
                    a.bucket, a.minn, a.maxn, a.lr_update_rate})
    write_value(out, v);
  write_value(out, a.t);
  write_value<int32_t>(out, int32_t(model.words.size()));
  write_value(out, model.nwords);
  write_value(out, model.nlabels);
  write_value(out, model.ntokens);
  write_value(out, model.pruneidx_size);
  for (size_t i = 0; i < model.words.size(); ++i) {
    out.write(model.words[i]);
    out.put('\0');
    write_value(out, model.counts[i]);
    write_value(out, model.types[i]);
  }
  for (const auto& [first, second] : model.prune_pairs) {
    write_value(out, first);
    write_value(out, second);
  }
  write_value<uint8_t>(out, 0);  // quant_input: dense
  write_value<int64_t>(out, model.input_rows);
  write_value<int64_t>(out, a.dim);
  for (int64_t r = 0; r < model.input_rows; ++r)
    write_raw(out, input_row(r), size_t(a.dim) * sizeof(float));
  write_value<uint8_t>(out, model.qout);
  write_value<int64_t>(out, model.output_rows);
  write_value<int64_t>(out, a.dim);
  for (int64_t r = 0; r < model.output_rows; ++r)
    write_raw(out, output_row(r), size_t(a.dim) * sizeof(float));
  out.commit();
}

}  // namespace ember::data
