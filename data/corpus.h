// Streaming corpus reader: whitespace-separated tokens, one sentence per line, plain text
// or gzip (detected from the magic bytes, not the name). Holds one buffer, never the text.
// Bad UTF-8 is passed through byte for byte (a token is bytes, as in word2vec/fastText)
// and counted; lines longer than max_line_bytes are split into several sentences and
// counted; both counts are reported once by warn_summary().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ember::data {

class CorpusReader {
 public:
  static constexpr int64_t kDefaultMaxLineBytes = 1 << 20;

  explicit CorpusReader(const std::string& path, int64_t max_line_bytes = kDefaultMaxLineBytes);
  ~CorpusReader();
  CorpusReader(const CorpusReader&) = delete;
  CorpusReader& operator=(const CorpusReader&) = delete;

  // Reads the next sentence's tokens into `tokens` (views valid until the next call).
  // Returns false at the end of the file. Empty lines are skipped.
  bool next_sentence(std::vector<std::string_view>& tokens);
  // The next line as it is, without its '\n' (a view valid until the next call), empty
  // lines included; for formats with columns (TSV). Returns false at the end of the file.
  bool next_line(std::string_view& line);
  // Back to the start of the file (for another epoch or pass); resets the counts below.
  void rewind();
  // Positions the reader at the first line that starts at or after `byte_offset` of the
  // uncompressed text (how a trainer's threads split a file, as word2vec and fastText do).
  // Cheap on plain files; on gzip it decompresses up to the offset. Resets the counts, and
  // line_number() then counts lines from that point.
  void seek(int64_t byte_offset);
  bool is_gzip() const;
  // Bytes of a plain file (for progress and seek offsets); -1 for gzip input.
  int64_t file_size() const;

  const std::string& path() const { return path_; }
  int64_t line_number() const;  // 1-based line of the last sentence or line returned
  int64_t bytes_read() const;   // uncompressed bytes consumed so far
  int64_t invalid_utf8_lines() const;
  int64_t split_long_lines() const;
  // Prints "warning: FILE: N lines with invalid UTF-8, M lines over K bytes split" to
  // stderr when either count is non-zero.
  void warn_summary() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
};

}  // namespace ember::data
