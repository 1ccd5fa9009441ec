// Where a trainer's sentences come from, and how a thread reads its share of them: from an
// EncodedCorpus in memory (one chunk, its own arrays, nothing copied) or from an
// EncodedCorpusFile on disk, a chunk of whole sentences at a time through two buffers of
// fixed size (pread: the file's pages are the kernel's cache, not the process's memory), so
// that a corpus of any size trains in the same memory. Both give the same sentences at the
// same corpus positions, so training is the same to the bit.
//
//   data::SentenceChunks chunks(source, begin, end, bytes);
//   while (chunks.next())
//     for (int64_t c = 0; c < chunks.size(); ++c)  // sentence chunks.first_sentence() + c is
//       ...  // ids chunks.ids()[starts[c] - starts[0], starts[c + 1] - starts[0]) at
//            // corpus positions [starts[c], starts[c + 1]), starts = chunks.starts()
#pragma once

#include <cstdint>
#include <vector>

#include <ember/data/encoded_corpus.h>
#include <ember/data/encoded_corpus_file.h>

namespace ember::data {

class SentenceSource {
 public:
  explicit SentenceSource(const EncodedCorpus& corpus) : memory_(&corpus) {}
  // Read through buffers of `budget` bytes in all (every thread's of this process).
  SentenceSource(const EncodedCorpusFile& file, int64_t budget) : file_(&file), budget_(budget) {}

  const EncodedCorpus* memory() const { return memory_; }
  const EncodedCorpusFile* file() const { return file_; }
  int64_t budget() const { return budget_; }

  int64_t num_ids() const;
  int64_t num_sentences() const;
  int64_t raw_tokens() const;
  int64_t sentence_start(int64_t s) const;  // s in [0, S]
  std::vector<int64_t> split(int64_t parts) const;

 private:
  const EncodedCorpus* memory_ = nullptr;
  const EncodedCorpusFile* file_ = nullptr;
  int64_t budget_ = 0;
};

class SentenceChunks {
 public:
  // Sentences [begin, end) of `source`; from a file through buffers of at most `bytes` in all,
  // which must be at least min_bytes(file).
  SentenceChunks(const SentenceSource& source, int64_t begin, int64_t end, int64_t bytes);
  ~SentenceChunks();
  SentenceChunks(const SentenceChunks&) = delete;
  SentenceChunks& operator=(const SentenceChunks&) = delete;

  // The fewest bytes that hold a chunk of `file`: its longest sentence's ids and two starts.
  static int64_t min_bytes(const EncodedCorpusFile& file);

  // Makes the next chunk current; false when the sentences are done.
  bool next();
  int64_t first_sentence() const { return first_; }
  int64_t size() const { return size_; }                  // sentences in the chunk
  const int64_t* starts() const { return starts_; }       // [size() + 1]: corpus positions
  const int32_t* ids() const { return ids_; }             // the ids from position starts()[0]
  int64_t buffer_bytes() const { return buffer_bytes_; }  // what it holds (0 from memory)

 private:
  const SentenceSource& source_;
  int64_t next_, end_;
  int64_t first_ = 0, size_ = 0;
  const int64_t* starts_ = nullptr;
  const int32_t* ids_ = nullptr;
  std::vector<int64_t> start_buffer_;
  std::vector<int32_t> id_buffer_;
  int64_t buffer_bytes_ = 0;
};

}  // namespace ember::data
