// GloVe by name from the local cache, and embedding tables built from pretrained vectors.
#include <ember/data/pretrained.h>

#include <sys/stat.h>

#include <cstdlib>
#include <cstring>

#include <ember/autograd/grad_mode.h>
#include <ember/data/fasttext_bin.h>
#include <ember/tensor/error.h>

namespace ember::data {

namespace {

bool is_file(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string with_thousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string lowercase(const std::string& word) {
  std::string lower = word;
  for (char& c : lower)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return lower;
}

// Rows [V, D] ~ normal(0, std) from gen.
Tensor normal_rows(int64_t rows, int64_t dim, double std, Generator* gen) {
  Tensor t = empty({rows, dim});
  if (rows > 0) normal_(t, 0.0, std, gen);
  return t;
}

}  // namespace

std::string ember_home() {
  const char* home = std::getenv("EMBER_HOME");
  if (home && *home) return home;
  const char* user_home = std::getenv("HOME");
  EMBER_CHECK(user_home && *user_home,
              "ember_home: neither EMBER_HOME nor HOME is set; set EMBER_HOME to the directory "
              "that holds the vector files");
  return std::string(user_home) + "/.ember";
}

std::string glove_path(const std::string& name, int64_t dim) {
  EMBER_CHECK(!name.empty() && dim > 0, "glove_path: need a name such as \"6B\" and a dimension",
              " such as 50, got '", name, "' and ", dim);
  return ember_home() + "/glove." + name + "." + std::to_string(dim) + "d.txt";
}

WordVectors load_glove(const std::string& name, int64_t dim, int64_t limit) {
  const std::string path = glove_path(name, dim);
  EMBER_CHECK(is_file(path), "load_glove: GloVe ", name, " ", dim, "d is not in the cache: put ",
              "glove.", name, ".", dim, "d.txt at ", path, " (unzip it from glove.", name,
              ".zip of https://nlp.stanford.edu/projects/glove/;",
              " set EMBER_HOME to use another directory than ~/.ember). ember downloads nothing.");
  VectorReadOptions options;
  options.format = VectorFormat::kGloVe;
  options.limit = limit;
  WordVectors vectors = read_vectors(path, options);
  EMBER_CHECK(vectors.dim == dim, "load_glove: ", path, " holds vectors of dimension ", vectors.dim,
              ", not ", dim);
  return vectors;
}

std::string Coverage::summary() const {
  char percent[32];
  std::snprintf(percent, sizeof(percent), "%.1f%%", 100.0 * ratio());
  std::string s = "pretrained coverage: " + with_thousands(found) + "/" + with_thousands(total) +
                  " words (" + percent + ")";
  if (found_lowercased) s += ", " + with_thousands(found_lowercased) + " of them lowercased";
  if (!missing.empty()) {
    s += "; missing: ";
    for (size_t i = 0; i < missing.size(); ++i) s += (i ? ", " : "") + missing[i];
    if (int64_t(missing.size()) < total - found) s += ", ...";
  }
  return s;
}

PretrainedEmbedding build_pretrained_embedding(const Vocabulary& vocab, const WordVectors& vectors,
                                               const PretrainedOptions& options, Generator* gen) {
  const int64_t rows = vocab.size(), dim = vectors.dim;
  EMBER_CHECK(rows > 0, "build_pretrained_embedding: the vocabulary is empty");
  EMBER_CHECK(dim > 0, "build_pretrained_embedding: the vectors are empty");
  EMBER_CHECK(options.oov_std >= 0, "build_pretrained_embedding: oov_std must be >= 0, got ",
              options.oov_std);

  // All rows random first (the seed's normal_(0, 0.1)), so that a seed fixes the whole table
  // whichever words are found.
  Tensor table = normal_rows(rows, dim, options.oov_std, gen);
  float* w = table.data<float>();
  std::vector<char> found(size_t(rows), 0);
  std::vector<double> mean(size_t(dim), 0.0);
  PretrainedEmbedding result;
  Coverage& coverage = result.coverage;
  for (int64_t id = vocab.num_specials(); id < rows; ++id) {
    const std::string& word = vocab.words()[size_t(id)];
    int64_t row = vectors.find(word);
    if (row < 0 && options.lowercase_fallback) {
      row = vectors.find(lowercase(word));
      coverage.found_lowercased += row >= 0;
    }
    ++coverage.total;
    if (row < 0) {
      if (int64_t(coverage.missing.size()) < options.max_missing_listed)
        coverage.missing.push_back(word);
      continue;
    }
    ++coverage.found;
    found[size_t(id)] = 1;
    result.found_ids.push_back(id);
    std::memcpy(w + id * dim, vectors.row(row), size_t(dim) * sizeof(float));
    for (int64_t j = 0; j < dim; ++j) mean[size_t(j)] += vectors.row(row)[j];
  }
  if (coverage.found > 0)
    for (double& m : mean) m /= double(coverage.found);

  auto fill_mean = [&](int64_t id) {
    for (int64_t j = 0; j < dim; ++j) w[id * dim + j] = float(mean[size_t(j)]);
  };
  if (options.oov == OovInit::kMean && coverage.found > 0) {
    for (int64_t id = vocab.num_specials(); id < rows; ++id)
      if (!found[size_t(id)]) fill_mean(id);
  }
  if (vocab.unk_id() != Vocabulary::kNone && coverage.found > 0) fill_mean(vocab.unk_id());
  nn::EmbeddingOptions embedding_options;
  embedding_options.sparse = options.sparse;
  if (vocab.pad_id() != Vocabulary::kNone) {
    std::memset(w + vocab.pad_id() * dim, 0, size_t(dim) * sizeof(float));
    embedding_options.padding_idx = vocab.pad_id();
  }
  result.embedding = nn::Embedding::from_pretrained(table, options.freeze, embedding_options);
  return result;
}

PretrainedEmbedding build_pretrained_embedding(const Vocabulary& vocab, const FastTextBin& model,
                                               const PretrainedOptions& options, Generator* gen,
                                               int64_t* from_ngrams) {
  // The vocabulary's words that the model can give a vector, as a table for the overload
  // above (so the padding, unknown-token and random rows follow the same rules).
  std::vector<std::string> words;
  std::vector<float> values;
  std::vector<float> row(static_cast<size_t>(model.dim()));
  int64_t ngram_only = 0;
  for (int64_t id = vocab.num_specials(); id < vocab.size(); ++id) {
    const std::string& word = vocab.words()[size_t(id)];
    const bool known = model.find(word) >= 0;
    if (!known && model.subwords(word).empty()) continue;
    ngram_only += !known;
    model.word_vector(word, row.data());
    words.push_back(word);
    values.insert(values.end(), row.begin(), row.end());
  }
  if (from_ngrams) *from_ngrams = ngram_only;
  PretrainedOptions exact = options;
  exact.lowercase_fallback = false;  // every word the model can place is in the table as is
  return build_pretrained_embedding(
      vocab, WordVectors::from_rows(std::move(words), std::move(values), model.dim()), exact, gen);
}

std::shared_ptr<nn::Embedding> embedding_from_vectors(const WordVectors& vectors,
                                                      int64_t extra_rows, bool freeze,
                                                      double oov_std, Generator* gen) {
  EMBER_CHECK(vectors.dim > 0 && vectors.size() > 0, "embedding_from_vectors: no vectors");
  EMBER_CHECK(extra_rows >= 0, "embedding_from_vectors: extra_rows must be >= 0, got ", extra_rows);
  const int64_t n = vectors.size(), dim = vectors.dim;
  Tensor table = normal_rows(n + extra_rows, dim, oov_std, gen);
  std::memcpy(table.data<float>(), vectors.values.data(), size_t(n * dim) * sizeof(float));
  return nn::Embedding::from_pretrained(table, freeze);
}

}  // namespace ember::data
