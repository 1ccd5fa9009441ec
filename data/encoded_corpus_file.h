// A corpus larger than memory: EncodedCorpus's ids and sentence starts kept in a file, which
// the trainers read a chunk of whole sentences at a time (data/sentence_chunks.h) through
// buffers of a fixed size, as word2vec.c and gensim's corpus_file mode read their text. One
// streaming pass over the text writes it (encode), holding one sentence; read back, it is
// exactly the EncodedCorpus that EncodedCorpus::encode makes of the same text.
//
// The file, in this machine's byte order (the magic tells another's):
//   header  [64 bytes]     "EMBERIDS", version 1, V (the vocabulary's size), N (ids),
//                          S (sentences), raw tokens, the longest sentence's ids; zeros
//   ids     int32 [N]      each in [0, V)
//   starts  int64 [S + 1]  sentence s is ids[starts[s], starts[s + 1]); starts[0] = 0,
//                          starts[S] = N
// Opening it checks its size against the header (a truncated file is an error); reading it
// checks what is read: ids in [0, V), starts increasing, no sentence longer than the header's.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ember/data/encoded_corpus.h>
#include <ember/data/vocab.h>

namespace ember::data {

class EncodedCorpusFile {
 public:
  // Encodes the text at `text_path` as EncodedCorpus::encode does into the file `path`: written
  // to temporary files in path's directory, fsynced and renamed, so that `path` is a whole file
  // or none. Returns it opened. max_sentence: in 1..EncodedCorpus::kMaxSentence.
  static EncodedCorpusFile encode(const std::string& text_path, const Vocabulary& vocab,
                                  const std::string& path,
                                  int64_t max_sentence = EncodedCorpus::kMaxSentence);
  // Opens a file that encode() wrote.
  explicit EncodedCorpusFile(const std::string& path);
  ~EncodedCorpusFile();  // closes it, and removes it after remove_when_closed()
  EncodedCorpusFile(EncodedCorpusFile&&) noexcept;
  EncodedCorpusFile& operator=(EncodedCorpusFile&&) noexcept;

  const std::string& path() const;
  int64_t vocab_size() const;  // V: every id is below it
  int64_t num_ids() const;
  int64_t num_sentences() const;
  int64_t raw_tokens() const;
  int64_t longest_sentence() const;  // in ids

  // Reads ids [first, first + count) into out [count]; reads sentence starts [first, first +
  // count) into out [count]. Threads may read at once. Errors name the file.
  void read_ids(int64_t first, int64_t count, int32_t* out) const;
  void read_starts(int64_t first, int64_t count, int64_t* out) const;
  int64_t sentence_start(int64_t s) const;          // s in [0, S]
  std::vector<int64_t> split(int64_t parts) const;  // EncodedCorpus::split

  // The bytes of buffers its readers hold (SentenceChunks adds its own while it lives), and
  // the most they held at once since the file was opened.
  void add_buffer_bytes(int64_t bytes) const;
  int64_t peak_buffer_bytes() const;

  // The file is removed when this object dies (a file made for one run).
  void remove_when_closed();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace ember::data
