#include <algorithm>
#include <charconv>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>

#include <ember/data/cooccurrence.h>
#include <ember/data/encoded_corpus.h>
#include <ember/data/encoded_corpus_file.h>
#include <ember/data/fasttext_bin.h>
#include <ember/data/temp_file.h>
#include <ember/data/vectors.h>
#include <ember/data/vocab.h>
#include <ember/dist/communicator.h>
#include <ember/models/fasttext_trainer.h>
#include <ember/models/glove_trainer.h>
#include <ember/models/word2vec_trainer.h>
#include <ember/models/word_vectors_job.h>
#include <ember/nn/serialize.h>
#include <ember/tensor/error.h>

namespace ember::models {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// What every trainer starts from: the vocabulary (built, or the checkpoint's), the corpus
// as ids (in memory, or in a file with corpus_budget), and on resume the checkpoint's tensors
// and the epochs already done.
struct Start {
  data::Vocabulary vocab;
  data::EncodedCorpus corpus;
  data::TempDir corpus_directory;  // corpus_file's, when it is a temporary one
  std::optional<data::EncodedCorpusFile> corpus_file;
  std::map<std::string, Tensor> saved;
  std::map<std::string, std::string> saved_metadata;
  int64_t first_epoch = 0;
  std::string checkpoint, vocab_path;
  std::string corpus_digest;  // corpus_digest(corpus), stored in every checkpoint
};

void tell(const WordVectorsJobHooks& hooks, const std::string& line) {
  if (hooks.note) hooks.note(line);
}

int64_t raw_tokens(const Start& s) {
  return s.corpus_file ? s.corpus_file->raw_tokens() : s.corpus.raw_tokens;
}

// What the checkpoint records of the corpus, so that --resume with another one is refused:
// FNV-1a 64 over the encoded ids and the sentence starts (one value at a time), and counts.
// The same of a corpus in memory and of its file.
struct CorpusHash {
  uint64_t hash = 0xcbf29ce484222325ull;
  void mix(uint64_t value) { hash = (hash ^ value) * 0x100000001b3ull; }
  std::string digest(int64_t raw_tokens, int64_t ids, int64_t sentences) const {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
    return detail::str("fnv1a64=", hex, " tokens=", raw_tokens, " kept=", ids,
                       " sentences=", sentences);
  }
};

std::string corpus_digest(const data::EncodedCorpus& corpus) {
  CorpusHash h;
  for (const int32_t id : corpus.ids) h.mix(uint32_t(id));
  for (const int64_t start : corpus.sentence_starts) h.mix(uint64_t(start));
  return h.digest(corpus.raw_tokens, corpus.num_ids(), corpus.num_sentences());
}

// Read back 64K values at a time.
std::string corpus_digest(const data::EncodedCorpusFile& file) {
  constexpr int64_t kChunk = 1 << 16;
  CorpusHash h;
  std::vector<int32_t> ids(static_cast<size_t>(kChunk));
  for (int64_t first = 0; first < file.num_ids(); first += kChunk) {
    const int64_t n = std::min(kChunk, file.num_ids() - first);
    file.read_ids(first, n, ids.data());
    for (int64_t i = 0; i < n; ++i) h.mix(uint32_t(ids[size_t(i)]));
  }
  std::vector<int64_t> starts(static_cast<size_t>(kChunk));
  for (int64_t first = 0; first <= file.num_sentences(); first += kChunk) {
    const int64_t n = std::min(kChunk, file.num_sentences() + 1 - first);
    file.read_starts(first, n, starts.data());
    for (int64_t i = 0; i < n; ++i) h.mix(uint64_t(starts[size_t(i)]));
  }
  return h.digest(file.raw_tokens(), file.num_ids(), file.num_sentences());
}

// The corpus encoded into a file (WordVectorsJobOptions::ids_file, or a temporary directory
// beside the output), one per rank of a distributed run.
void encode_to_file(const WordVectorsJobOptions& o, Start& s, const WordVectorsJobHooks& hooks) {
  std::string path = o.ids_file;
  if (path.empty()) {
    const std::filesystem::path output(o.output);
    const std::string directory =
        output.has_parent_path() ? output.parent_path().string() : std::string(".");
    s.corpus_directory = data::TempDir(directory, "." + output.filename().string() + ".corpus-");
    path = s.corpus_directory.path() + "/ids";
  }
  if (o.distributed.ranks() > 1) path += detail::str(".rank", o.distributed.rank());
  s.corpus_file.emplace(data::EncodedCorpusFile::encode(o.input, s.vocab, path));
  if (o.ids_file.empty()) s.corpus_file->remove_when_closed();
  const data::EncodedCorpusFile& file = *s.corpus_file;
  char size[80];
  std::snprintf(size, sizeof size, " (%.1f MB), read through %.1f MB of buffers",
                double(4 * file.num_ids() + 8 * file.num_sentences()) / double(1 << 20),
                double(o.corpus_budget) / double(1 << 20));
  tell(hooks, "Corpus ids in " + path + size);
}

// "key=value key=value" (describe()'s form) as a map.
std::map<std::string, std::string> fields_of(const std::string& text) {
  std::map<std::string, std::string> fields;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string field = text.substr(start, end - start);
    const size_t eq = field.find('=');
    if (!field.empty())
      fields[field.substr(0, eq)] = eq == std::string::npos ? "" : field.substr(eq + 1);
    start = end + 1;
  }
  return fields;
}

// The options that differ between the checkpoint's and this run's, each as
// "dim=16 in the checkpoint, dim=17 now".
std::string options_differences(const std::string& stored, const std::string& given) {
  const std::map<std::string, std::string> a = fields_of(stored), b = fields_of(given);
  std::string out;
  const auto note = [&](const std::string& key) {
    const auto x = a.find(key), y = b.find(key);
    if (x != a.end() && y != b.end() && x->second == y->second) return;
    out += out.empty() ? "" : "; ";
    out += x == a.end() ? "no " + key : key + "=" + x->second;
    out += " in the checkpoint, ";
    out += y == b.end() ? "no " + key : key + "=" + y->second;
    out += " now";
  };
  for (const auto& [key, value] : a) note(key);
  for (const auto& [key, value] : b)
    if (!a.count(key)) note(key);
  return out;
}

// That every rank of a distributed run trains with the same options (the ranks of a run with
// other epochs or sizes would wait for each other forever), an error naming the first rank
// that differs.
void check_same_options(const Distributed& d, const WordVectorsJobOptions& o) {
  if (!d.active()) return;
  const int r = dist::first_rank_differing(*d.comm, o.describe());
  EMBER_CHECK(r < 0, "ember train: rank ", r, " was started with other options than rank 0 (",
              o.describe(), " here): every rank must be given the same ones");
}

// That every rank read the same corpus into the same ids: their digests compared, an error
// naming the first rank that differs.
void check_same_corpus(const Distributed& d, const std::string& input, const std::string& digest) {
  if (!d.active()) return;
  const int r = dist::first_rank_differing(*d.comm, digest);
  EMBER_CHECK(r < 0, "ember train: rank ", r, " read another corpus from --input ", input,
              " than rank 0 (or built another vocabulary): every rank must read the same file");
}

Start prepare(const WordVectorsJobOptions& o, const WordVectorsJobHooks& hooks) {
  Start s;
  s.checkpoint = o.output + ".ckpt.safetensors";
  s.vocab_path = o.output + ".vocab";
  if (o.resume) {
    std::map<std::string, std::string>& meta = s.saved_metadata;
    s.saved = nn::load_safetensors(s.checkpoint, &meta);
    EMBER_CHECK(meta.count("options") && meta.count("epochs_done"),
                "ember train --resume: ", s.checkpoint,
                " has no \"options\" or \"epochs_done\" in its metadata; not a "
                "checkpoint of ember train");
    // Checkpoints from before the minibatched steps trained without them.
    std::string stored = meta["options"];
    if (o.model != "glove" && !fields_of(stored).count("minibatch")) stored += " minibatch=off";
    EMBER_CHECK(stored == o.describe(), "ember train --resume: ", s.checkpoint,
                " was made with other options: ", options_differences(stored, o.describe()));
    const std::string& done = meta["epochs_done"];
    const auto [end, error] =
        std::from_chars(done.data(), done.data() + done.size(), s.first_epoch);
    EMBER_CHECK(!done.empty() && error == std::errc() && end == done.data() + done.size() &&
                    s.first_epoch >= 0 && s.first_epoch <= *o.epochs,
                "ember train --resume: ", s.checkpoint, ": metadata \"epochs_done\" is '", done,
                "', not a whole number in [0, ", *o.epochs, "] (--epochs)");
    const std::string not_finite = nn::first_non_finite(s.saved);
    EMBER_CHECK(not_finite.empty(), "ember train --resume: ", s.checkpoint, ": tensor '",
                not_finite, "' holds values that are not finite (nan or inf)");
    s.vocab = data::Vocabulary::load(s.vocab_path);
    tell(hooks,
         detail::str("Resuming ", s.checkpoint, " after epoch ", s.first_epoch, " of ", *o.epochs));
  } else {
    data::VocabularyOptions vo;
    vo.min_count = o.min_count;
    vo.max_size = o.max_vocab;
    s.vocab = data::Vocabulary::build(o.input, vo);
  }
  if (o.corpus_budget > 0)
    encode_to_file(o, s, hooks);
  else
    s.corpus = data::EncodedCorpus::encode(o.input, s.vocab);
  const int64_t kept = s.corpus_file ? s.corpus_file->num_ids() : s.corpus.num_ids();
  EMBER_CHECK(kept > 0, "ember train: no word of ", o.input, " occurs ", o.min_count,
              " times or more (lower --min-count)");
  s.corpus_digest = s.corpus_file ? corpus_digest(*s.corpus_file) : corpus_digest(s.corpus);
  if (o.resume) {
    std::map<std::string, std::string>& meta = s.saved_metadata;
    if (!meta.count("corpus")) {
      tell(hooks, detail::str("Note: ", s.checkpoint,
                              " records no corpus digest (an older checkpoint); --input ", o.input,
                              " cannot be checked against it"));
    } else {
      EMBER_CHECK(meta["corpus"] == s.corpus_digest, "ember train --resume: ", s.checkpoint,
                  " was made from another corpus (", meta["corpus"], ") than --input ", o.input,
                  " (", s.corpus_digest, ")");
    }
  }
  check_same_corpus(o.distributed, o.input, s.corpus_digest);
  tell(hooks, detail::str("Read ", raw_tokens(s), " words, vocabulary ", s.vocab.size(),
                          " words (min-count ", o.min_count, "), ", kept, " kept"));
  return s;
}

// The checkpoint after epoch `epoch` (0-based): the vocabulary once, the tensors each time.
// Writes the checkpoint of `epoch`, once its tables are known to be finite: tables that
// diverged stop the run there (whatever the trainer's sampled loss said), and the checkpoint
// of the last good epoch stays.
void save_checkpoint(const WordVectorsJobOptions& o, const Start& s, int64_t epoch,
                     const std::map<std::string, Tensor>& tensors) {
  const std::string bad = nn::first_non_finite(tensors);
  EMBER_CHECK(bad.empty(), "training diverged: the table '", bad,
              "' holds values that are not finite after epoch ", epoch + 1, " of ", *o.epochs,
              "; try a lower --lr. ",
              epoch > 0 ? detail::str("The checkpoint of epoch ", epoch, " is kept")
                        : std::string("No vectors were written"));
  if (o.distributed.rank() != 0) return;  // rank 0 writes the run's files
  if (epoch == 0) s.vocab.save(s.vocab_path);
  nn::save_safetensors(s.checkpoint, tensors,
                       {{"options", o.describe()},
                        {"epochs_done", std::to_string(epoch + 1)},
                        {"corpus", s.corpus_digest}});
}

// Restores the checkpoint's tensors into a trainer by `load` (which checks their shapes and
// dtypes), naming the checkpoint, and `what` was restored, in any error.
template <typename Load>
void restore(const Start& s, const std::string& what, const Load& load) {
  try {
    load();
  } catch (const Error& e) {
    EMBER_FAIL("ember train --resume: ", s.checkpoint, ": ", what, e.what());
  }
}

// The checkpoint's tensor `name` into `table`.
void restore_table(const Start& s, RowTable& table, const std::string& name) {
  auto it = s.saved.find(name);
  EMBER_CHECK(it != s.saved.end(), "ember train --resume: ", s.checkpoint, ": no tensor '", name,
              "'");
  restore(s, "tensor '" + name + "': ", [&] { table.copy_from(it->second); });
}

// Trains a word2vec or fastText trainer (two tables, "input" and "output" in the checkpoint),
// from the checkpoint on resume; returns the training seconds.
template <typename Trainer>
double train_input_output(const WordVectorsJobOptions& o, const Start& s, Trainer& trainer,
                          const ProgressCallback& progress) {
  if (o.resume) {
    restore_table(s, trainer.input(), "input");
    restore_table(s, trainer.output(), "output");
  }
  const auto train_start = Clock::now();
  const auto after_epoch = [&](int64_t epoch) {
    save_checkpoint(o, s, epoch,
                    {{"input", trainer.input().view()}, {"output", trainer.output().view()}});
  };
  if (s.corpus_file)
    trainer.train(*s.corpus_file, progress, s.first_epoch, after_epoch);
  else
    trainer.train(s.corpus, progress, s.first_epoch, after_epoch);
  return seconds_since(train_start);
}

// The trained fastText model as fastText 0.9.2 saves one: the options mapped onto its Args
// (ember's fastText trainer is skipgram with negative sampling), the vocabulary as the
// dictionary (every entry a word, in ember's order, which is by count as fastText's), and the
// two tables' sizes (their rows are written from the trainer's tables). fastText computes a word's
// rows from the dictionary as ember's SubwordTable does, so the vectors it gives are ember's.
data::FastTextBin fasttext_bin(const WordVectorsJobOptions& o, const data::Vocabulary& vocab,
                               FastTextTrainer& trainer) {
  const FastTextOptions& fo = trainer.options();
  EMBER_CHECK(fo.dim <= INT32_MAX && fo.window <= INT32_MAX && fo.epochs <= INT32_MAX &&
                  o.min_count <= INT32_MAX && fo.negative <= INT32_MAX && vocab.size() <= INT32_MAX,
              "ember train fasttext: an option does not fit fastText's int32 fields");
  data::FastTextBin m;
  data::FastTextArgs& a = m.args;
  a.dim = int32_t(fo.dim);
  a.ws = int32_t(fo.window);
  a.epoch = int32_t(fo.epochs);
  a.min_count = int32_t(o.min_count);
  a.neg = int32_t(fo.negative);
  a.word_ngrams = 1;
  a.loss = data::FastTextArgs::kNs;
  a.model = data::FastTextArgs::kSkipgram;
  a.bucket = int32_t(fo.subwords.bucket);
  a.minn = fo.subwords.minn;
  a.maxn = fo.subwords.maxn;
  a.lr_update_rate = 100;  // fastText's default; ember's trainer has no such option
  a.t = fo.sample;
  m.words = vocab.words();
  m.counts = vocab.counts();
  m.types.assign(m.words.size(), 0);
  m.nwords = int32_t(vocab.size());
  m.nlabels = 0;
  m.ntokens = vocab.total_tokens();
  m.input_rows = trainer.input().rows();  // the matrices stay in the trainer's tables
  m.output_rows = trainer.output().rows();
  m.build_index("ember train fasttext");
  return m;
}

}  // namespace

const std::vector<WordVectorsDefaults>& word_vectors_defaults_table() {
  static const std::vector<WordVectorsDefaults> table = {
      // model, dim, window, epochs, sample, lr
      {"skipgram", 100, 5, 5, 1e-3, 0.025},
      {"cbow", 100, 5, 5, 1e-3, 0.05},
      {"glove", 50, 15, 25, 1e-3, 0.05},
      {"fasttext", 100, 5, 5, 1e-4, 0.05},
  };
  return table;
}

const WordVectorsDefaults& word_vectors_defaults(const std::string& model) {
  for (const WordVectorsDefaults& row : word_vectors_defaults_table())
    if (model == row.model) return row;
  EMBER_FAIL("ember train: the model must be skipgram, cbow, glove or fasttext (got '", model,
             "')");
}

WordVectorsJobOptions WordVectorsJobOptions::resolved() const {
  const WordVectorsDefaults& row = word_vectors_defaults(model);
  WordVectorsJobOptions o = *this;
  if (!o.dim) o.dim = row.dim;
  if (!o.window) o.window = row.window;
  if (!o.epochs) o.epochs = row.epochs;
  if (!o.sample) o.sample = row.sample;
  if (!o.lr) o.lr = row.lr;
  if (o.threads == 0) o.threads = std::max(1u, std::thread::hardware_concurrency());
  EMBER_CHECK(!o.input.empty() && !o.output.empty(), "ember train: input and output are required");
  EMBER_CHECK(*o.dim > 0 && *o.window > 0 && *o.epochs > 0 && o.negative > 0 && o.min_count > 0 &&
                  o.threads > 0,
              "ember train: dim, window, epochs, negative, min_count and threads must be positive, "
              "got ",
              *o.dim, ", ", *o.window, ", ", *o.epochs, ", ", o.negative, ", ", o.min_count,
              " and ", o.threads);
  EMBER_CHECK(
      *o.lr > 0 && *o.sample >= 0 && o.min_lr_ratio >= 0 && o.min_lr_ratio <= 1,
      "ember train: lr must be positive, sample at least 0 and min_lr_ratio in [0, 1], got ", *o.lr,
      ", ", *o.sample, " and ", o.min_lr_ratio);
  EMBER_CHECK(o.corpus_budget >= 0, "ember train: corpus_budget must be at least 0, got ",
              o.corpus_budget);
  EMBER_CHECK(
      o.corpus_budget == 0 || o.model == "glove" || !o.device.is_cuda(),
      "ember train: a corpus read from disk (corpus_budget) trains on the CPU; on a GPU the "
      "corpus is held in memory");
  EMBER_CHECK(o.ids_file.empty() || o.corpus_budget > 0, "ember train: ids_file (", o.ids_file,
              ") is the file of a corpus_budget run");
  return o;
}

std::string WordVectorsJobOptions::describe() const {
  std::string d =
      detail::str("model=", model, " dim=", dim.value_or(0), " window=", window.value_or(0),
                  " negative=", negative, " min_count=", min_count, " max_vocab=", max_vocab,
                  " sample=", sample.value_or(0), " epochs=", epochs.value_or(0),
                  " lr=", lr.value_or(0), " seed=", seed);
  if (model == "skipgram" || model == "cbow") d += detail::str(" min_lr_ratio=", min_lr_ratio);
  if (model != "glove") d += detail::str(" minibatch=", minibatch ? "on" : "off");
  if (model == "fasttext") d += detail::str(" minn=", minn, " maxn=", maxn, " bucket=", bucket);
  if (model == "glove") d += detail::str(" x_max=", x_max, " alpha=", alpha);
  return d;
}

WordVectorsJobResult train_word_vectors(const WordVectorsJobOptions& options,
                                        const WordVectorsJobHooks& all_hooks) {
  WordVectorsJobResult result;
  result.options = options.resolved();
  const WordVectorsJobOptions& o = result.options;
  const std::filesystem::path directory = std::filesystem::path(o.output).parent_path();
  if (!directory.empty()) std::filesystem::create_directories(directory);
  WordVectorsJobHooks hooks;  // a distributed run's notes and progress: rank 0's
  if (o.distributed.rank() == 0) hooks = all_hooks;
  check_same_options(o.distributed, o);
  const Start s = prepare(o, hooks);
  result.corpus_tokens = raw_tokens(s);
  result.epochs_trained = *o.epochs - s.first_epoch;
  result.unit = "words";
  result.units = double(result.corpus_tokens) * double(result.epochs_trained);
  Tensor vectors;  // [V, D]
  if (o.model == "glove") {
    const auto stage = Clock::now();
    data::CooccurrenceOptions co;
    co.window = *o.window;
    data::CooccurrenceBuilder builder(s.vocab, co);
    data::Cooccurrences records = builder.build(o.input);
    records.shuffle(o.seed);
    char line[160];
    std::snprintf(line, sizeof line,
                  "Co-occurrences: %lld records (%s), counted and shuffled in %.2f s",
                  (long long)records.size(), records.in_memory() ? "in memory" : "on disk",
                  seconds_since(stage));
    tell(hooks, line);
    GloVeOptions go;
    go.dim = *o.dim;
    go.epochs = *o.epochs;
    go.eta = *o.lr;
    go.x_max = o.x_max;
    go.alpha = o.alpha;
    go.threads = o.threads;
    go.seed = o.seed;
    go.device = o.device;
    go.distributed = o.distributed;
    GloVeTrainer trainer(s.vocab.size(), go);
    if (o.resume) restore(s, "", [&] { trainer.load_state(s.saved); });
    const auto train_start = Clock::now();
    trainer.train(records, hooks.progress, s.first_epoch,
                  [&](int64_t epoch) { save_checkpoint(o, s, epoch, trainer.state()); });
    result.train_seconds = seconds_since(train_start);
    result.unit = "records";
    result.units = double(records.size()) * double(result.epochs_trained);
    vectors = trainer.vectors();
  } else if (o.model == "fasttext") {
    // fastText's convention: PREFIX.bin is the model (fastText 0.9.2's format, which
    // `fasttext print-word-vectors` and gensim's load_facebook_model open), PREFIX.vec the
    // vectors.
    FastTextOptions fo;
    fo.dim = *o.dim;
    fo.window = *o.window;
    fo.negative = o.negative;
    fo.epochs = *o.epochs;
    fo.lr = *o.lr;
    fo.sample = *o.sample;
    fo.subwords.minn = int32_t(o.minn);
    fo.subwords.maxn = int32_t(o.maxn);
    fo.subwords.bucket = o.bucket;
    fo.threads = o.threads;
    fo.seed = o.seed;
    fo.device = o.device;
    fo.minibatch = o.minibatch;
    fo.distributed = o.distributed;
    fo.corpus_budget = o.corpus_budget;
    FastTextTrainer trainer(s.vocab, fo);
    result.train_seconds = train_input_output(o, s, trainer, hooks.progress);
    vectors = trainer.word_vectors();
    if (o.distributed.rank() == 0)
      data::write_fasttext_bin(
          o.output + ".bin", fasttext_bin(o, s.vocab, trainer),
          [&](int64_t r) { return trainer.input().row(r); },
          [&](int64_t r) { return trainer.output().row(r); });
  } else {
    Word2VecOptions wo;
    wo.cbow = o.model == "cbow";
    wo.dim = *o.dim;
    wo.window = *o.window;
    wo.negative = o.negative;
    wo.epochs = *o.epochs;
    wo.lr = *o.lr;
    wo.min_lr_ratio = o.min_lr_ratio;
    wo.minibatch = o.minibatch;
    wo.sample = *o.sample;
    wo.threads = o.threads;
    wo.seed = o.seed;
    wo.device = o.device;
    wo.distributed = o.distributed;
    wo.corpus_budget = o.corpus_budget;
    Word2VecTrainer trainer(s.vocab, wo);
    result.train_seconds = train_input_output(o, s, trainer, hooks.progress);
    vectors = trainer.input().view();
  }
  const data::WordVectors wv = data::WordVectors::from_rows(
      s.vocab.words(), vectors.contiguous().to_vector<float>(), *o.dim);
  result.vec_path = o.output + ".vec";
  result.bin_path = o.output + ".bin";
  result.checkpoint_path = s.checkpoint;
  result.vocab_path = s.vocab_path;
  if (o.distributed.rank() != 0) return result;
  data::write_vectors(result.vec_path, wv, data::VectorFormat::kVec);
  if (o.model != "fasttext")  // fastText's PREFIX.bin, its model, is written above
    data::write_vectors(result.bin_path, wv, data::VectorFormat::kWord2VecBinary);
  return result;
}

}  // namespace ember::models
