// Word vector files: round trips in every format, limit, format detection, and the error
// for each kind of malformed file (naming the file and the line or row at fault).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>

#include <ember/data/internal/vector_text.h>
#include <ember/data/vectors.h>

#include "testing.h"

namespace ember::data {
namespace {

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "ember_vectors_" + std::to_string(::getpid()) + "_" + name;
}

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = temp_path(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// 5 words x 3 dims with awkward values: tiny, huge, negative zero, many digits.
WordVectors sample() {
  return WordVectors::from_rows({"the", "King", "caf\xc3\xa9", "a-b", "x"},
                                {0.1f, -2.5f, 3.0f, 1e-8f, 123456.79f, -0.0f, 0.333333343f,
                                 -1.17549435e-38f, 7.0f, 1.0f, 2.0f, 3.0f, -4.25f, 0.5f, 9.75e20f},
                                3);
}

void expect_same(const WordVectors& a, const WordVectors& b) {
  ASSERT_EQ(a.words, b.words);
  ASSERT_EQ(a.dim, b.dim);
  ASSERT_EQ(a.values.size(), b.values.size());
  for (size_t i = 0; i < a.values.size(); ++i)
    EXPECT_EQ(std::memcmp(&a.values[i], &b.values[i], sizeof(float)), 0)
        << "value " << i << ": " << a.values[i] << " vs " << b.values[i];
  for (int64_t i = 0; i < a.size(); ++i) EXPECT_EQ(b.find(a.words[size_t(i)]), i);
}

TEST(ParseFloat, MatchesDoubleThenFloat) {
  // Python's float() then numpy's float32: the correctly rounded double, rounded again.
  for (const char* text : {"0.1", "-2.5", "1e-8", "123456.789", "3.4028235e38", "0", "-0",
                           "0.000001234", "1.00000000000000000001", "+7", "2.5E+3", ".5", "5.",
                           "0.33333334326744080", "1e-45", "-inf", "nan"}) {
    float value = 0;
    const char* end = text + std::strlen(text);
    ASSERT_EQ(detail::parse_float(text, end, &value), end) << text;
    const float expected = float(std::strtod(text, nullptr));
    if (std::isnan(expected)) {
      EXPECT_TRUE(std::isnan(value)) << text;
    } else {
      EXPECT_EQ(std::memcmp(&value, &expected, sizeof(float)), 0) << text << " " << value;
    }
  }
  for (const char* text : {"", "-", "abc", "1.5x", "1e", "--1", "+-1", "1..2", "0x10", "1e400"}) {
    float value = 0;
    const char* end = text + std::strlen(text);
    const char* stop = detail::parse_float(text, end, &value);
    EXPECT_TRUE(stop == nullptr || stop != end) << text;
  }
}

class RoundTrip : public ::testing::TestWithParam<VectorFormat> {};

TEST_P(RoundTrip, ExactWithShortestText) {
  const WordVectors v = sample();
  const std::string path = temp_path(std::string("rt.") + vector_format_name(GetParam()));
  write_vectors(path, v, GetParam());
  VectorFileInfo info;
  WordVectors back = read_vectors(path, {}, &info);
  const VectorFormat expected =
      GetParam() == VectorFormat::kVec ? VectorFormat::kWord2VecText : GetParam();
  EXPECT_EQ(info.format, expected);
  EXPECT_EQ(info.rows_in_file, 5);
  expect_same(v, back);
  VectorReadOptions told;
  told.format = GetParam();
  expect_same(v, read_vectors(path, told));
  std::remove(path.c_str());
}

INSTANTIATE_TEST_SUITE_P(Formats, RoundTrip,
                         ::testing::Values(VectorFormat::kWord2VecText,
                                           VectorFormat::kWord2VecBinary, VectorFormat::kGloVe,
                                           VectorFormat::kVec));

TEST(Vectors, TextToPrintedPrecision) {
  const WordVectors v = sample();
  const std::string path = temp_path("precision.txt");
  VectorWriteOptions options;
  options.precision = 4;
  write_vectors(path, v, VectorFormat::kWord2VecText, options);
  WordVectors back = read_vectors(path);
  ASSERT_EQ(back.words, v.words);
  for (size_t i = 0; i < v.values.size(); ++i) {
    const double tolerance = 0.5e-4 + 1e-7 * std::abs(v.values[i]);
    EXPECT_NEAR(back.values[i], v.values[i], tolerance) << i;
  }
  std::remove(path.c_str());
}

TEST(Vectors, LimitReadsTheFirstRows) {
  const WordVectors v = sample();
  for (VectorFormat format :
       {VectorFormat::kWord2VecText, VectorFormat::kWord2VecBinary, VectorFormat::kGloVe}) {
    const std::string path = temp_path(std::string("limit.") + vector_format_name(format));
    write_vectors(path, v, format);
    VectorReadOptions options;
    options.limit = 2;
    VectorFileInfo info;
    WordVectors two = read_vectors(path, options, &info);
    EXPECT_EQ(two.words, (std::vector<std::string>{"the", "King"})) << vector_format_name(format);
    EXPECT_EQ(two.values, std::vector<float>(v.values.begin(), v.values.begin() + 6));
    EXPECT_EQ(info.rows_in_file, 5);
    options.limit = 100;  // more than the file holds: all of it
    EXPECT_EQ(read_vectors(path, options).size(), 5);
    std::remove(path.c_str());
  }
}

TEST(Vectors, DetectsTheFormat) {
  const std::string glove = write_file("d1.txt", "the 0.1 0.2\nof 0.3 0.4\n");
  const std::string glove1 = write_file("d2.txt", "the 0.5\nof 0.25\n");
  const std::string text = write_file("d3.txt", "2 2\nthe 0.1 0.2\nof 0.3 0.4\n");
  EXPECT_EQ(detect_vector_format(glove), VectorFormat::kGloVe);
  EXPECT_EQ(detect_vector_format(glove1), VectorFormat::kGloVe);
  EXPECT_EQ(detect_vector_format(text), VectorFormat::kWord2VecText);
  EXPECT_EQ(read_vectors(glove1).dim, 1);
  // A binary row whose bytes happen to start with digits still reads as binary.
  const float row[2] = {1.5f, -2.0f};
  std::string binary = "1 2\nab ";
  binary.append(reinterpret_cast<const char*>(row), sizeof(row));
  binary += "\n";
  const std::string bin = write_file("d4.bin", binary);
  EXPECT_EQ(detect_vector_format(bin), VectorFormat::kWord2VecBinary);
  EXPECT_EQ(read_vectors(bin).values, std::vector<float>({1.5f, -2.0f}));
  EXPECT_EMBER_ERROR(detect_vector_format(write_file("d5.txt", "justoneword\n")),
                     "d5.txt:1: cannot tell the format");
}

TEST(Vectors, TolerantWhereRealFilesDiffer) {
  // CRLF line ends, tabs, trailing spaces (fastText .vec), no final newline, a GloVe
  // word holding spaces (glove.840B has a few), and a duplicate word (first kept).
  const std::string path =
      write_file("tolerant.vec", "4 2\r\nthe 0.1\t0.2 \r\n. . . 1 2\r\nof 0.3 0.4\r\nthe 9 9");
  VectorFileInfo info;
  WordVectors v = read_vectors(path, {}, &info);
  EXPECT_EQ(v.words, (std::vector<std::string>{"the", ". . .", "of"}));
  EXPECT_EQ(v.values, (std::vector<float>{0.1f, 0.2f, 1, 2, 0.3f, 0.4f}));
  EXPECT_EQ(info.duplicates, 1);
  EXPECT_EQ(info.first_duplicate, "the");
  EXPECT_EQ(v.find("of"), 2);
}

TEST(Vectors, MalformedTextNamesFileAndLine) {
  struct Case {
    const char* name;
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"bad_header.txt", "2 x\nthe 1 2\n", "bad_header.txt:1: expected the word2vec header"},
      {"few_rows.txt", "3 2\nthe 1 2\nof 3 4\n",
       "the header says 3 words but the file ends after 2"},
      {"many_rows.txt", "1 2\nthe 1 2\nof 3 4\n", "many_rows.txt:3: more rows than the 1"},
      {"short_row.txt", "2 3\nthe 1 2 3\nof 3 4\n",
       "short_row.txt:3: word 'of' has 2 numbers, expected 3"},
      {"long_row.txt", "2 2\nthe 1 2\nof 3 4 5\n",
       "long_row.txt:3: word 'of': more than 2 numbers"},
      {"nan_word.txt", "2 2\nthe 1 2\nof 3 x4\n",
       "nan_word.txt:3: word 'of': field 3 'x4' is not a number"},
      {"empty_line.txt", "2 2\nthe 1 2\n\nof 3 4\n", "empty_line.txt:3: empty line"},
      {"zero_dim.txt", "2 0\n", "zero_dim.txt:1: the header's dimension is 0"},
      {"glove_dim.txt", "the 1 2\nof 3 4\nand 5\n",
       "glove_dim.txt:3: word 'and' has 1 numbers, expected 2"},
      {"glove_nan.txt", "the 1 2\nof 3 four\n",
       "glove_nan.txt:2: word 'of': field 3 'four' is not"},
      {"empty.txt", "", "empty.txt: empty file"},
  };
  for (const Case& c : cases) {
    const std::string path = write_file(c.name, c.text);
    VectorReadOptions options;
    if (std::string(c.name).rfind("glove", 0) == 0) options.format = VectorFormat::kGloVe;
    if (std::string(c.name) != "empty.txt" && std::string(c.name).rfind("glove", 0) != 0)
      options.format = VectorFormat::kWord2VecText;
    EXPECT_EMBER_ERROR(read_vectors(path, options), c.message);
    std::remove(path.c_str());
  }
  EXPECT_EMBER_ERROR(read_vectors(temp_path("missing.txt")), "missing.txt: cannot open");
}

TEST(Vectors, MalformedBinaryNamesFileAndRow) {
  const WordVectors v = sample();
  const std::string good = temp_path("good.bin");
  write_vectors(good, v, VectorFormat::kWord2VecBinary);
  std::string bytes;
  {
    std::ifstream in(good, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  VectorReadOptions binary;
  binary.format = VectorFormat::kWord2VecBinary;
  // Cut inside the third row's vector.
  const size_t third = bytes.find("caf\xc3\xa9 ");
  const std::string cut = write_file("cut.bin", bytes.substr(0, third + 6 + 5));
  EXPECT_EMBER_ERROR(
      read_vectors(cut, binary),
      "cut.bin: truncated: row 3 (word 'caf\xc3\xa9') needs 12 bytes of vector, 5 left");
  // Rows missing altogether.
  const std::string rows = write_file("rows.bin", "7" + bytes.substr(1));
  EXPECT_EMBER_ERROR(read_vectors(rows, binary),
                     "rows.bin: truncated: the header says 7 words but the file ends after 5");
  // A word with no space after it.
  const std::string nospace = write_file("nospace.bin", "1 3\nabc");
  EXPECT_EMBER_ERROR(read_vectors(nospace, binary), "nospace.bin: row 1 (byte 4): no space after");
  // Trailing data past the announced rows.
  const std::string extra = write_file("extra.bin", "4" + bytes.substr(1));
  EXPECT_EMBER_ERROR(read_vectors(extra, binary), "rows the header announces");
  for (const std::string& p : {good, cut, rows, nospace, extra}) std::remove(p.c_str());
}

TEST(Vectors, WriteIsAtomicAndChecksWords) {
  const std::string path = temp_path("atomic.txt");
  write_vectors(path, sample(), VectorFormat::kWord2VecText);
  WordVectors bad = WordVectors::from_rows({"two words"}, {1.0f}, 1);
  EXPECT_EMBER_ERROR(write_vectors(path, bad, VectorFormat::kWord2VecText),
                     "word 'two words' is empty or holds whitespace");
  EXPECT_EQ(read_vectors(path).size(), 5);  // the old file is untouched
  EXPECT_NE(::access((path + ".tmp").c_str(), F_OK), 0);
  EXPECT_EMBER_ERROR(write_vectors(temp_path("no/such/dir.txt"), sample(), VectorFormat::kGloVe),
                     "cannot create");
  EXPECT_EMBER_ERROR(WordVectors::from_rows({"a", "a"}, {1, 2}, 1), "word 'a' appears twice");
  std::remove(path.c_str());
}

// Headers whose numbers overflow or claim more than the file holds fail, naming the file and
// the line or row, before anything of their size is allocated.
TEST(Vectors, HeaderSizesAreCheckedBeforeAllocating) {
  VectorReadOptions text, binary;
  text.format = VectorFormat::kWord2VecText;
  binary.format = VectorFormat::kWord2VecBinary;
  const std::string huge_dim =
      write_file("huge_dim.vec", "4 4611686018427387904\na 1\nb 2\nc 3\nd 4\n");
  EXPECT_EMBER_ERROR(read_vectors(huge_dim, text),
                     "huge_dim.vec:2: word 'a' has 1 numbers, expected 4611686018427387904");
  EXPECT_EMBER_ERROR(read_vectors(huge_dim, binary),
                     "huge_dim.vec:1: the header's dimension 4611686018427387904 is too large");
  EXPECT_EMBER_ERROR(read_vectors(huge_dim), "huge_dim.vec:1: the header's dimension");
  std::string bin_bytes = "4 4611686018427387904\na ";
  bin_bytes.append(16, '\x01');
  const std::string huge_bin = write_file("huge_dim.bin", bin_bytes);
  EXPECT_EMBER_ERROR(read_vectors(huge_bin), "huge_dim.bin:1: the header's dimension");
  // 27 bytes whose header claims one row of 1e9 values.
  const std::string giga = write_file("giga.vec", "1 1000000000\nword 0.5 0.25\n");
  EXPECT_EMBER_ERROR(read_vectors(giga, text),
                     "giga.vec:2: word 'word' has 2 numbers, expected 1000000000");
  EXPECT_EMBER_ERROR(read_vectors(giga),
                     "giga.vec: truncated: row 1 (word 'word') needs "
                     "4000000000 bytes of vector, 9 left");
  const std::string many = write_file("many.vec", "4611686018427387904 2\nthe 1 2\n");
  EXPECT_EMBER_ERROR(read_vectors(many, text),
                     "many.vec: the header says 4611686018427387904 words but the file ends "
                     "after 1");
  const std::string many_bin = write_file("many.bin", "4611686018427387904 1\nab 1234\n");
  EXPECT_EMBER_ERROR(read_vectors(many_bin, binary),
                     "many.bin: truncated: the header says "
                     "4611686018427387904 words but the file ends "
                     "after 1");
  for (const std::string& p : {huge_dim, huge_bin, giga, many, many_bin}) std::remove(p.c_str());
}

TEST(Vectors, NonFiniteValuesAreErrorsUnlessAllowed) {
  struct Case {
    const char* name;
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"nan.vec", "2 2\nthe 1 2\nof nan 4\n",
       "nan.vec:3: word 'of': field 2 'nan' is not a finite"},
      {"inf.vec", "2 2\nthe 1 2\nof 3 -inf\n", "inf.vec:3: word 'of': field 3 '-inf' is not a"},
      {"big.vec", "2 2\nthe 1e39 2\nof 3 4\n", "big.vec:2: word 'the': field 2 '1e39' is not a"},
      {"nan_glove.txt", "the 1 2\nof 3 NaN\n", "nan_glove.txt:2: word 'of': field 3 'NaN'"},
  };
  for (const Case& c : cases) {
    const std::string path = write_file(c.name, c.text);
    EXPECT_EMBER_ERROR(read_vectors(path), c.message);
    VectorReadOptions allow;
    allow.allow_non_finite = true;
    const WordVectors v = read_vectors(path, allow);
    EXPECT_EQ(v.size(), 2) << c.name;
    EXPECT_FALSE(std::isfinite(v.values[0]) && std::isfinite(v.values[1]) &&
                 std::isfinite(v.values[2]) && std::isfinite(v.values[3]))
        << c.name;
    std::remove(path.c_str());
  }
  WordVectors v = sample();
  v.values[4] = std::numeric_limits<float>::quiet_NaN();
  const std::string bin = temp_path("nan.bin");
  write_vectors(bin, v, VectorFormat::kWord2VecBinary);
  EXPECT_EMBER_ERROR(read_vectors(bin), "nan.bin: row 2 (word 'King'): value 2 (nan) is not a");
  VectorReadOptions allow;
  allow.allow_non_finite = true;
  EXPECT_TRUE(std::isnan(read_vectors(bin, allow).values[4]));
  std::remove(bin.c_str());
}

TEST(Vectors, ByteOrderMarkIsSkipped) {
  for (const char* text : {"\xef\xbb\xbf"
                           "2 2\nthe 1 2\nof 3 4\n",
                           "\xef\xbb\xbfthe 1 2\nof 3 4\n"}) {
    const std::string path = write_file("bom.txt", text);
    VectorFileInfo info;
    const WordVectors v = read_vectors(path, {}, &info);
    EXPECT_TRUE(info.bom);
    EXPECT_EQ(v.words, (std::vector<std::string>{"the", "of"}));
    EXPECT_EQ(v.values, (std::vector<float>{1, 2, 3, 4}));
    std::remove(path.c_str());
  }
}

TEST(Vectors, BytesThatAreNotTextAreNeverGuessedAtOrPrinted) {
  // A bogus binary header: no format is guessed, and the message holds no raw bytes.
  const std::string bogus =
      write_file("bogus.bin", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR junk 1 2\n", 26));
  const auto expect_printable = [](const std::string& message) {
    for (const char c : message)
      EXPECT_TRUE(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) << message;
  };
  try {
    read_vectors(bogus);
    ADD_FAILURE() << "read a bogus file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bogus.bin:1: cannot recognise the format: byte 0 of "
                                         "the first line is '\\x89'"),
              std::string::npos)
        << e.what();
    expect_printable(e.what());
  }
  VectorReadOptions glove;
  glove.format = VectorFormat::kGloVe;
  try {
    read_vectors(bogus, glove);
    ADD_FAILURE() << "read a bogus file as GloVe";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bogus.bin:"), std::string::npos) << e.what();
    expect_printable(e.what());
  }
  EXPECT_EMBER_ERROR(detect_vector_format(write_file("latin1.txt", "caf\xe9 1 2\n")),
                     "latin1.txt:1: cannot recognise the format: byte 3");
  std::remove(bogus.c_str());
}

TEST(Vectors, OnlyRegularFilesAreOpened) {
  // A FIFO with no writer: an error at once, not a read that blocks forever.
  const std::string fifo = temp_path("fifo.vec");
  std::remove(fifo.c_str());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EMBER_ERROR(read_vectors(fifo), "fifo.vec: a FIFO or pipe, not a regular file");
  EXPECT_EMBER_ERROR(detect_vector_format(fifo), "fifo.vec: a FIFO or pipe, not a regular file");
  std::remove(fifo.c_str());
  EXPECT_EMBER_ERROR(read_vectors(::testing::TempDir()), "a directory, not a regular file");
}

TEST(Vectors, FailedWriteRemovesTheTemporaryFileAndKeepsTheOldOne) {
  const std::string path = temp_path("durable.vec");
  write_vectors(path, sample(), VectorFormat::kVec);
  std::string before;
  {
    std::ifstream in(path, std::ios::binary);
    before.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::vector<std::string> words;
  for (int i = 0; i < 2000; ++i) words.push_back("w" + std::to_string(i));
  const WordVectors big = WordVectors::from_rows(words, std::vector<float>(2000 * 50, 0.25f), 50);
  {
    ember::testing::FileSizeLimit limit(4096);  // disk full part way
    EXPECT_EMBER_ERROR(write_vectors(path, big, VectorFormat::kVec),
                       "cannot write '" + path + ".tmp' while writing '" + path + "'");
  }
  EXPECT_NE(::access((path + ".tmp").c_str(), F_OK), 0);
  std::ifstream in(path, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), before);
  // The rename fails (the target is a directory): the temporary file goes too.
  const std::string dir = temp_path("a_directory.vec");
  ::mkdir(dir.c_str(), 0755);
  EXPECT_EMBER_ERROR(write_vectors(dir, sample(), VectorFormat::kVec), "cannot rename");
  EXPECT_NE(::access((dir + ".tmp").c_str(), F_OK), 0);
  ::rmdir(dir.c_str());
  std::remove(path.c_str());
}

TEST(Vectors, ToTensor) {
  Tensor t = sample().to_tensor();
  EXPECT_EQ(t.sizes(), (Shape{5, 3}));
  EXPECT_EQ(t.to_vector<float>(), sample().values);
}

}  // namespace
}  // namespace ember::data
