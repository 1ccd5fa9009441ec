#include <ember/data/sentence_chunks.h>

#include <algorithm>

#include <ember/tensor/error.h>

namespace ember::data {

int64_t SentenceSource::num_ids() const { return memory_ ? memory_->num_ids() : file_->num_ids(); }

int64_t SentenceSource::num_sentences() const {
  return memory_ ? memory_->num_sentences() : file_->num_sentences();
}

int64_t SentenceSource::raw_tokens() const {
  return memory_ ? memory_->raw_tokens : file_->raw_tokens();
}

int64_t SentenceSource::sentence_start(int64_t s) const {
  return memory_ ? memory_->sentence_starts[size_t(s)] : file_->sentence_start(s);
}

std::vector<int64_t> SentenceSource::split(int64_t parts) const {
  return memory_ ? memory_->split(parts) : file_->split(parts);
}

int64_t SentenceChunks::min_bytes(const EncodedCorpusFile& file) {
  return 4 * file.longest_sentence() + 2 * 8;
}

SentenceChunks::SentenceChunks(const SentenceSource& source, int64_t begin, int64_t end,
                               int64_t bytes)
    : source_(source), next_(begin), end_(end) {
  EMBER_CHECK(begin >= 0 && begin <= end && end <= source.num_sentences(),
              "SentenceChunks: "
              "sentences [",
              begin, ", ", end, ") outside the corpus's ", source.num_sentences());
  const EncodedCorpusFile* file = source.file();
  if (!file || begin == end) return;
  const int64_t longest = file->longest_sentence();
  EMBER_CHECK(bytes >= min_bytes(*file), "SentenceChunks: buffers of ", bytes,
              " bytes hold less than the longest sentence of ", file->path(), " (", longest,
              " ids: ", min_bytes(*file), " bytes)");
  // An eighth for the starts, the rest for the ids, but room for the longest sentence, and
  // no more of either than these sentences have.
  const int64_t ids_here = file->sentence_start(end) - file->sentence_start(begin);
  const int64_t starts =
      std::clamp<int64_t>(std::min(bytes / 64, (bytes - 4 * longest) / 8), 2, end - begin + 1);
  const int64_t ids = std::min((bytes - 8 * starts) / 4, ids_here);
  start_buffer_.resize(size_t(starts));
  id_buffer_.resize(size_t(ids));
  buffer_bytes_ = 8 * starts + 4 * ids;
  file->add_buffer_bytes(buffer_bytes_);
}

SentenceChunks::~SentenceChunks() {
  if (buffer_bytes_) source_.file()->add_buffer_bytes(-buffer_bytes_);
}

bool SentenceChunks::next() {
  if (next_ >= end_) return false;
  const EncodedCorpusFile* file = source_.file();
  if (!file) {  // the whole range at once, from the corpus's own arrays
    const EncodedCorpus& corpus = *source_.memory();
    first_ = next_;
    size_ = end_ - next_;
    starts_ = corpus.sentence_starts.data() + first_;
    ids_ = corpus.ids.data() + starts_[0];
    next_ = end_;
    return true;
  }
  // As many whole sentences as the id buffer holds, of those whose starts the buffer holds.
  int64_t* starts = start_buffer_.data();
  const int64_t read = std::min(int64_t(start_buffer_.size()) - 1, end_ - next_);
  file->read_starts(next_, read + 1, starts);
  const int64_t capacity = int64_t(id_buffer_.size());
  const int64_t fit =
      std::upper_bound(starts + 1, starts + read + 1, starts[0] + capacity) - (starts + 1);
  EMBER_CHECK(fit >= 1, "SentenceChunks: sentence ", next_, " of ", file->path(), " has ",
              starts[1] - starts[0], " ids, more than the ", capacity, " its buffer holds");
  file->read_ids(starts[0], starts[fit] - starts[0], id_buffer_.data());
  first_ = next_;
  size_ = fit;
  starts_ = starts;
  ids_ = id_buffer_.data();
  next_ += fit;
  return true;
}

}  // namespace ember::data
