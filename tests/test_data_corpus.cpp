// CorpusReader (plain and gzip, long lines, bad UTF-8, seek) and Vocabulary (counts, order,
// min_count/max_size, specials, save/load) on small files and the sotu_1250 fixture.
#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <ember/data/corpus.h>
#include <ember/data/tokenize.h>
#include <ember/data/vocab.h>

#include "testing.h"

namespace {

using ember::data::CorpusReader;
using ember::data::Vocabulary;
using ember::data::VocabularyOptions;

const std::string kSotu = std::string(EMBER_TEST_DATA_DIR) + "/sotu_1250.txt";

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "ember_corpus_" + std::to_string(getpid()) + "_" + name;
}

std::string write_file(const std::string& name, const std::string& text) {
  std::string path = temp_path(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string write_gzip(const std::string& name, const std::string& text) {
  std::string path = temp_path(name);
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, text.data(), unsigned(text.size()));
  gzclose(f);
  return path;
}

std::vector<std::vector<std::string>> read_all(CorpusReader& reader,
                                               std::vector<int64_t>* lines = nullptr) {
  std::vector<std::vector<std::string>> sentences;
  std::vector<std::string_view> tokens;
  while (reader.next_sentence(tokens)) {
    sentences.emplace_back(tokens.begin(), tokens.end());
    if (lines) lines->push_back(reader.line_number());
  }
  return sentences;
}

using Sentences = std::vector<std::vector<std::string>>;

TEST(Corpus, SplitsOnAsciiWhitespaceAndSkipsEmptyLines) {
  std::string text =
      "a b\tc\r\n\n  \nd\x0b\x0c"
      "e  f\nlast";
  std::string path = write_file("ws.txt", text);
  CorpusReader reader(path);
  std::vector<int64_t> lines;
  Sentences got = read_all(reader, &lines);
  EXPECT_EQ(got, (Sentences{{"a", "b", "c"}, {"d", "e", "f"}, {"last"}}));
  EXPECT_EQ(lines, (std::vector<int64_t>{1, 4, 5}));
  EXPECT_EQ(reader.bytes_read(), int64_t(text.size()));
  EXPECT_FALSE(reader.is_gzip());
  EXPECT_EQ(reader.file_size(), int64_t(text.size()));
  std::remove(path.c_str());
}

TEST(Corpus, GzipGivesTheSameSentencesAsPlainText) {
  std::ifstream in(kSotu, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  std::string gz = write_gzip("sotu.txt.gz", text.str());
  CorpusReader plain(kSotu), zipped(gz);
  EXPECT_TRUE(zipped.is_gzip());
  EXPECT_EQ(zipped.file_size(), -1);
  Sentences a = read_all(plain), b = read_all(zipped);
  EXPECT_EQ(a.size(), 1250u);
  EXPECT_EQ(a, b);
  size_t tokens = 0;
  for (const auto& s : a) tokens += s.size();
  EXPECT_EQ(tokens, 48698u);
  EXPECT_EQ(zipped.bytes_read(), int64_t(text.str().size()));
  std::remove(gz.c_str());
}

TEST(Corpus, RewindStartsOverAndSeekFindsTheNextLine) {
  std::string path = write_file("seek.txt", "one two\nthree four\nfive\n");
  CorpusReader reader(path);
  Sentences first = read_all(reader);
  reader.rewind();
  EXPECT_EQ(read_all(reader), first);
  reader.seek(8);  // the start of line 2 keeps line 2
  EXPECT_EQ(read_all(reader), (Sentences{{"three", "four"}, {"five"}}));
  reader.seek(9);  // inside line 2: line 3 is next
  EXPECT_EQ(read_all(reader), (Sentences{{"five"}}));
  reader.seek(100);
  EXPECT_TRUE(read_all(reader).empty());
  std::remove(path.c_str());
}

TEST(Corpus, LongLinesAreSplitAtWhitespaceAndCounted) {
  // Line 1 has 26 bytes with a limit of 10: pieces cut at spaces; line 2 is one 12-byte token.
  std::string path = write_file("long.txt", "aaa bbb ccc ddd eee fffff\nxxxxxxxxxxxx\nok\n");
  CorpusReader reader(path, 10);
  std::vector<int64_t> lines;
  Sentences got = read_all(reader, &lines);
  EXPECT_EQ(got,
            (Sentences{
                {"aaa", "bbb"}, {"ccc", "ddd"}, {"eee", "fffff"}, {"xxxxxxxxxx"}, {"xx"}, {"ok"}}));
  EXPECT_EQ(lines, (std::vector<int64_t>{1, 1, 1, 2, 2, 3}));
  EXPECT_EQ(reader.split_long_lines(), 2);
  EXPECT_EQ(reader.invalid_utf8_lines(), 0);
  std::remove(path.c_str());
}

TEST(Corpus, BigBlocksAcrossBufferBoundaries) {
  // 3 MiB of text crosses several 1 MiB reads; every token must come back whole.
  std::string text;
  int64_t words = 0;
  for (int line = 0; text.size() < (3u << 20); ++line) {
    for (int w = 0; w < 1 + line % 37; ++w, ++words)
      text += "w" + std::to_string(line * 7 + w) + ' ';
    text += '\n';
  }
  std::string path = write_file("big.txt", text);
  CorpusReader reader(path);
  std::vector<std::string_view> tokens;
  int64_t seen = 0, line = 0;
  while (reader.next_sentence(tokens)) {
    ASSERT_EQ(int64_t(tokens.size()), 1 + line % 37) << "line " << line + 1;
    ASSERT_EQ(tokens[0], "w" + std::to_string(line * 7)) << "line " << line + 1;
    seen += int64_t(tokens.size());
    ++line;
  }
  EXPECT_EQ(seen, words);
  std::remove(path.c_str());
}

TEST(Corpus, ShortFilesGrowTheirBufferForLongLines) {
  // A small file starts with a buffer of its own size (4 KiB at least); a 300,000-byte line
  // grows it and comes back whole, the same from gzip (whose compressed file is tinier still),
  // and a limit below the line still splits it.
  const std::string token(300000, 'x');
  const std::string text = "a b\n" + token + " c\nd\n";
  const std::string plain = write_file("grow.txt", text), gz = write_gzip("grow.txt.gz", text);
  const Sentences whole{{"a", "b"}, {token, "c"}, {"d"}};
  for (const std::string& path : {plain, gz}) {
    CorpusReader reader(path);
    EXPECT_EQ(read_all(reader), whole) << path;
    EXPECT_EQ(reader.split_long_lines(), 0) << path;
    EXPECT_EQ(reader.bytes_read(), int64_t(text.size())) << path;
    CorpusReader limited(path, 100000);
    const std::string piece(100000, 'x');
    EXPECT_EQ(read_all(limited), (Sentences{{"a", "b"}, {piece}, {piece}, {piece}, {"c"}, {"d"}}))
        << path;
    EXPECT_EQ(limited.split_long_lines(), 1) << path;
  }
  std::remove(plain.c_str());
  std::remove(gz.c_str());
}

TEST(Corpus, InvalidUtf8IsPassedThroughAndCounted) {
  std::string path = write_file(
      "utf8.txt", "caf\xc3\xa9 ok\nbad\xff byte\n\xe6\x97\xa5\xe6\x9c\xac fine\ncut\xe6\x97\n");
  CorpusReader reader(path);
  Sentences got = read_all(reader);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[1][0], "bad\xff");
  EXPECT_EQ(reader.invalid_utf8_lines(), 2);
  std::remove(path.c_str());
}

TEST(Corpus, Utf8Validation) {
  using ember::data::is_valid_utf8;
  EXPECT_TRUE(is_valid_utf8("plain ascii text that is longer than eight bytes"));
  EXPECT_TRUE(
      is_valid_utf8("stra\xc3\x9f"
                    "e \xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(is_valid_utf8("abc\xe6\x97"));       // truncated at the end
}

TEST(Corpus, MissingFileNamesThePath) {
  EXPECT_EMBER_ERROR(CorpusReader("/nonexistent/dir/corpus.txt"), "/nonexistent/dir/corpus.txt");
}

TEST(Vocabulary, CountsTheFixtureSortedByCount) {
  Vocabulary vocab = Vocabulary::build(kSotu, {});
  EXPECT_EQ(vocab.total_tokens(), 48698);
  EXPECT_EQ(vocab.kept_tokens(), 48698);
  // A reference count with std::map.
  std::ifstream in(kSotu);
  std::map<std::string, int64_t> counts;
  std::string word;
  while (in >> word) ++counts[word];
  ASSERT_EQ(vocab.size(), int64_t(counts.size()));
  for (int64_t id = 0; id < vocab.size(); ++id) {
    ASSERT_EQ(vocab.count(id), counts[vocab.word(id)]) << vocab.word(id);
    ASSERT_EQ(vocab.find(vocab.word(id)), id);
    if (id > 0) {
      ASSERT_LE(vocab.count(id), vocab.count(id - 1));
    }
  }
  EXPECT_EQ(vocab.word(0), "the");
  EXPECT_EQ(vocab.find("no-such-word"), Vocabulary::kNone);
}

TEST(Vocabulary, TiesByFirstAppearanceMinCountAndMaxSize) {
  std::vector<std::string> texts = {"b a c", "c a b d", "e"};
  VocabularyOptions options;
  Vocabulary all = Vocabulary::build(texts, options);
  EXPECT_EQ(all.words(), (std::vector<std::string>{"b", "a", "c", "d", "e"}));
  options.min_count = 2;
  Vocabulary frequent = Vocabulary::build(texts, options);
  EXPECT_EQ(frequent.words(), (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_EQ(frequent.total_tokens(), 8);
  EXPECT_EQ(frequent.kept_tokens(), 6);
  options.max_size = 2;
  EXPECT_EQ(Vocabulary::build(texts, options).words(), (std::vector<std::string>{"b", "a"}));
}

TEST(Vocabulary, SpecialsEncodeDecode) {
  VocabularyOptions options;
  options.specials = {"<PAD>", "<UNK>", "<BOS>", "<EOS>"};
  Vocabulary vocab = Vocabulary::build(std::vector<std::string>{"the cat the <UNK> dog"}, options);
  EXPECT_EQ(vocab.num_specials(), 4);
  EXPECT_EQ(vocab.pad_id(), 0);
  EXPECT_EQ(vocab.unk_id(), 1);
  EXPECT_EQ(vocab.bos_id(), 2);
  EXPECT_EQ(vocab.eos_id(), 3);
  EXPECT_EQ(vocab.size(), 7);  // "<UNK>" in the text is not a word of its own
  EXPECT_EQ(vocab.encode("the bird cat"), (std::vector<int64_t>{4, 1, 5}));
  EXPECT_EQ(vocab.decode({4, 1, 5}), "the <UNK> cat");
  EXPECT_EMBER_ERROR(vocab.decode({4, 99}), "id 99 at position 1");
  EXPECT_EMBER_ERROR(vocab.word(-1), "id -1 out of range");
  Vocabulary plain = Vocabulary::build(std::vector<std::string>{"x y"}, {});
  EXPECT_EQ(plain.encode("x z y"), (std::vector<int64_t>{0, 1}));  // unknown words skipped
}

TEST(Vocabulary, SaveLoadRoundTrip) {
  VocabularyOptions options;
  options.specials = {"<pad>", "<unk>"};
  options.min_count = 2;
  Vocabulary vocab = Vocabulary::build(kSotu, options);
  std::string path = temp_path("vocab.txt");
  vocab.save(path);
  Vocabulary loaded = Vocabulary::load(path);
  EXPECT_EQ(loaded.words(), vocab.words());
  EXPECT_EQ(loaded.counts(), vocab.counts());
  EXPECT_EQ(loaded.num_specials(), 2);
  EXPECT_EQ(loaded.unk_id(), 1);
  EXPECT_EQ(loaded.total_tokens(), vocab.kept_tokens());
  std::remove(path.c_str());
}

TEST(Vocabulary, FailedSaveLeavesNoTemporaryFileAndTheOldFile) {
  Vocabulary vocab = Vocabulary::build(kSotu, {});
  const std::string path = temp_path("durable_vocab.txt");
  Vocabulary::build(std::vector<std::string>{"old words"}, {}).save(path);
  std::string before;
  {
    std::ifstream in(path, std::ios::binary);
    before.assign(std::istreambuf_iterator<char>(in), {});
  }
  {
    ember::testing::FileSizeLimit limit(64);  // the write fails part way: disk full
    EXPECT_EMBER_ERROR(vocab.save(path), "Vocabulary::save: write_text_atomic: cannot write '" +
                                             path + ".tmp' while writing '" + path + "'");
  }
  EXPECT_NE(::access((path + ".tmp").c_str(), F_OK), 0);
  std::ifstream in(path, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), before);
  std::remove(path.c_str());
}

// Found by fuzz/fuzz_vocab: counts whose sum passes 2^63 (signed overflow in kept_tokens).
TEST(Vocabulary, LoadRefusesCountsThatAddUpPastInt64) {
  const std::string path = temp_path("vocab_overflow.txt");
  { std::ofstream(path) << "a 6666666666666666666\nb 6666666666666666666\n"; }
  EXPECT_EMBER_ERROR(Vocabulary::load(path), path + ":2: the counts add up past 2^63");
  std::remove(path.c_str());
}

TEST(Vocabulary, LoadReadsOnlyRegularFiles) {
  const std::string fifo = temp_path("vocab.fifo");
  std::remove(fifo.c_str());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EMBER_ERROR(Vocabulary::load(fifo), "vocab.fifo: a FIFO or pipe, not a regular file");
  std::remove(fifo.c_str());
  EXPECT_EMBER_ERROR(Vocabulary::load(temp_path("no_such_vocab.txt")),
                     "no_such_vocab.txt: cannot open: No such file");
}

TEST(Vocabulary, LoadNamesTheFileAndLine) {
  std::string path = write_file("bad_vocab.txt", "the 10\nof 5\nand five\n");
  EXPECT_EMBER_ERROR(Vocabulary::load(path), "bad_vocab.txt:3: bad count \"five\"");
  path = write_file("bad_vocab.txt", "the 10\nof 5 extra\n");
  EXPECT_EMBER_ERROR(Vocabulary::load(path), "bad_vocab.txt:2: expected \"word count\"");
  path = write_file("bad_vocab.txt", "the 10\nof 5\nthe 3\n");
  EXPECT_EMBER_ERROR(Vocabulary::load(path), "bad_vocab.txt:3: word \"the\" appears twice");
  std::remove(path.c_str());
}

}  // namespace
