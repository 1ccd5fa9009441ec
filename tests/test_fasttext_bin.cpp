// fastText .bin models against fastText 0.9.2 itself: the small models in
// tests/golden/fasttext_bin/ (made by tests/golden/make_golden_fasttext_bin.sh with Debian's
// fasttext) and the vectors fastText gives for vocabulary, OOV and non-ASCII words, to every
// bit; a model ember trained against what gensim 4.2 reads in it
// (tests/golden/make_golden_fasttext_gensim.py); the round trip; and the refusals of
// quantised, truncated and corrupted files.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <ember/data/fasttext_bin.h>
#include <ember/data/fasttext_ngrams.h>
#include <ember/data/pretrained.h>
#include <ember/data/vocab.h>
#include <ember/eval/evaluator.h>

#include "neighbours.h"
#include "testing.h"

namespace {

using ember::data::FastTextArgs;
using ember::data::FastTextBin;
using ember::data::is_fasttext_bin;
using ember::data::read_fasttext_bin;
using ember::data::write_fasttext_bin;

const std::string kDir = std::string(EMBER_GOLDEN_DIR) + "/fasttext_bin/";

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "ember_ftbin_" + std::to_string(::getpid()) + "_" + name;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

std::vector<std::string> lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

const FastTextBin& skipgram() {
  static const FastTextBin model = read_fasttext_bin(kDir + "skipgram.bin");
  return model;
}

TEST(FastTextBin, ReadsTheOptionsAndDictionary) {
  const FastTextBin& m = skipgram();
  EXPECT_EQ(m.version, 12);
  EXPECT_EQ(m.args.dim, 8);
  EXPECT_EQ(m.args.bucket, 1000);
  EXPECT_EQ(m.args.minn, 3);
  EXPECT_EQ(m.args.maxn, 6);
  EXPECT_EQ(m.args.min_count, 40);
  EXPECT_EQ(m.args.epoch, 1);
  EXPECT_EQ(m.args.model, FastTextArgs::kSkipgram);
  EXPECT_EQ(m.args.loss, FastTextArgs::kNs);
  EXPECT_FALSE(m.is_supervised());
  EXPECT_EQ(m.nlabels, 0);
  EXPECT_GT(m.nwords, 100);
  EXPECT_EQ(m.pruneidx_size, -1);
  EXPECT_GE(m.find("</s>"), 0);  // fastText's EOS, counted once per line
  EXPECT_EQ(m.input_rows, m.nwords + 1000);
  EXPECT_EQ(m.output_rows, m.nwords);
  EXPECT_GE(m.find("café"), 0);
  EXPECT_GE(m.find("東京"), 0);
  EXPECT_EQ(m.find("北京"), -1);
  for (size_t i = 1; i < m.counts.size(); ++i) EXPECT_GE(m.counts[i - 1], m.counts[i]) << i;
  EXPECT_TRUE(is_fasttext_bin(kDir + "skipgram.bin"));
  EXPECT_FALSE(is_fasttext_bin(kDir + "words.txt"));
}

// The subwords as fastText's getSubwords: the word's id first, then its n-grams; an unknown
// word only its n-grams; "</s>" only its id.
TEST(FastTextBin, SubwordsAsFastText) {
  const FastTextBin& m = skipgram();
  const std::vector<int32_t> the = m.subwords("the");
  ASSERT_FALSE(the.empty());
  EXPECT_EQ(the[0], m.find("the"));
  // "<the>" with minn 3, maxn 6: <th <the <the> the the> he> = 6 n-grams.
  EXPECT_EQ(the.size(), 7u);
  EXPECT_EQ(m.subwords("</s>"), std::vector<int32_t>{int32_t(m.find("</s>"))});
  const std::vector<int32_t> oov = m.subwords("zzzqqq");
  EXPECT_FALSE(oov.empty());
  for (int32_t id : oov) EXPECT_GE(id, m.nwords);
}

// Every word of words.txt (vocabulary, OOV, non-ASCII, "</s>") equals libfasttext's
// getWordVector to the bit (9 significant digits read back as float), and printed as
// `fasttext print-word-vectors` prints it, equals its output byte for byte.
TEST(FastTextBin, WordVectorsEqualFastTextExactly) {
  const FastTextBin& m = skipgram();
  const std::vector<std::string> exact = lines(kDir + "skipgram_exact.txt");
  const std::vector<std::string> printed = lines(kDir + "skipgram_print.txt");
  ASSERT_EQ(exact.size(), printed.size());
  ASSERT_GE(exact.size(), 15u);
  int oov = 0;
  for (size_t i = 0; i < exact.size(); ++i) {
    std::istringstream in(exact[i]);
    std::string word;
    in >> word;
    if (m.find(word) < 0) ++oov;
    const std::vector<float> v = m.word_vector(word);
    std::string mine = word + " ";
    for (int64_t j = 0; j < m.dim(); ++j) {
      std::string text;
      in >> text;
      const float expected = std::strtof(text.c_str(), nullptr);
      EXPECT_EQ(v[size_t(j)], expected) << word << " [" << j << "]";
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%.5g ", double(v[size_t(j)]));
      mine += buffer;
    }
    EXPECT_EQ(mine, printed[i]);
  }
  EXPECT_GE(oov, 5);  // the golden list has OOV words, ASCII and not
}

// gensim 4.2's load_facebook_model on a model `ember train fasttext` wrote
// (ember_skipgram.bin): gensim's model.wv[word] for the words of words.txt, and its
// most_similar, are ember's.
//
// gensim's wv[word] is, for a vocabulary word, its row of wv.vectors, which
// load_facebook_model computes as fastText's getWordVector does (FastTextKeyedVectors.
// adjust_vectors: the word's own row plus its n-grams' rows, summed in float32 in fastText's
// order), not the word's row alone (that is wv.vectors_vocab); for another word, the mean of
// its n-grams' rows. The one arithmetic difference is the last step: gensim divides the sum
// by the count n, fastText (and ember) multiply it by float(1.0 / n); the two round at most
// 1 ulp apart. So each of gensim's values is ember's sum over n to the bit, and ember's
// vector is gensim's within 1e-6 (relative).
//
// One word differs in earnest: "</s>". ember's vocabulary has no end-of-line token, so it is
// not in this model's dictionary; for such a word fastText's getSubwords gives "</s>" no
// n-grams, hence the zero vector (`fasttext print-word-vectors` prints zeros, and ember
// gives the same), where gensim takes the n-grams of "<</s>>" like any other word's.
TEST(FastTextBin, GensimReadsEmbersModelWithEmbersVectors) {
  const FastTextBin m = read_fasttext_bin(kDir + "ember_skipgram.bin");
  ASSERT_EQ(m.dim(), 8);
  ASSERT_EQ(m.args.bucket, 2000);
  const std::vector<std::string> golden = lines(kDir + "ember_skipgram_gensim.txt");
  ASSERT_EQ(golden.size(), lines(kDir + "words.txt").size());
  int oov = 0, non_ascii = 0;
  for (const std::string& line : golden) {
    std::istringstream in(line);
    std::string word;
    in >> word;
    std::vector<float> expected(8);
    for (float& x : expected) {
      std::string text;
      in >> text;
      x = std::strtof(text.c_str(), nullptr);
    }
    ASSERT_TRUE(in) << line;
    if (m.find(word) < 0) ++oov;
    for (unsigned char c : word) non_ascii += c >= 0x80 ? 1 : 0;
    const std::vector<float> v = m.word_vector(word);
    std::vector<int32_t> rows = m.subwords(word);
    if (word == "</s>") {
      EXPECT_LT(m.find(word), 0);
      EXPECT_EQ(v, std::vector<float>(8, 0.0f));  // fastText's answer
      ASSERT_TRUE(rows.empty());
      ember::data::compute_subwords(word, {m.args.minn, m.args.maxn, m.args.bucket}, m.nwords,
                                    rows);
    }
    ASSERT_FALSE(rows.empty()) << word;
    std::vector<float> sum(8, 0.0f);
    for (int32_t r : rows)
      for (size_t j = 0; j < 8; ++j) sum[j] += m.input[size_t(r) * 8 + j];
    for (size_t j = 0; j < 8; ++j) {
      EXPECT_EQ(sum[j] / float(rows.size()), expected[j]) << word << " [" << j << "]";
      if (word != "</s>") {
        EXPECT_LE(std::fabs(v[j] - expected[j]), 1e-6f * std::fabs(expected[j]))
            << word << " [" << j << "]: ember " << v[j] << ", gensim " << expected[j];
      }
    }
  }
  EXPECT_GE(oov, 5);
  EXPECT_GE(non_ascii, 10);  // bytes of café, naïve, straße, 東京 (vocabulary), Über, 北京 (not)

  // most_similar: ember's top 5 by cosine; gensim's scores are float32, printed exactly.
  const ember::eval::Evaluator evaluator(m.word_vectors());
  std::vector<std::string> queries;
  std::vector<std::vector<ember::testing::ScoredWord>> theirs;
  for (const std::string& line : lines(kDir + "ember_skipgram_gensim_similar.txt")) {
    std::istringstream in(line);
    std::string query, neighbour;
    double score = 0;
    ASSERT_TRUE(in >> query >> neighbour >> score) << line;
    if (queries.empty() || queries.back() != query) {
      queries.push_back(query);
      theirs.emplace_back();
    }
    theirs.back().push_back({neighbour, score});
  }
  ASSERT_EQ(queries.size(), 2u);
  for (size_t q = 0; q < queries.size(); ++q) {
    std::vector<ember::testing::ScoredWord> ours;
    for (const ember::eval::Neighbor& n : evaluator.most_similar(queries[q], 5))
      ours.push_back({n.word, n.similarity});
    const auto score_of = [&](const std::string& w) { return evaluator.similarity(queries[q], w); };
    EXPECT_TRUE(ember::testing::same_neighbours(theirs[q], ours, score_of, 1e-6)) << queries[q];
  }
}

TEST(FastTextBin, VocabularyTableIsEachWordsVector) {
  const FastTextBin& m = skipgram();
  const ember::data::WordVectors table = m.word_vectors();
  ASSERT_EQ(table.size(), m.nwords);
  EXPECT_EQ(table.dim, 8);
  for (int64_t i = 0; i < table.size(); i += 37) {
    const std::vector<float> v = m.word_vector(table.words[size_t(i)]);
    EXPECT_EQ(0, std::memcmp(v.data(), table.row(i), sizeof(float) * 8)) << i;
  }
}

TEST(FastTextBin, WrittenBackIsByteIdentical) {
  const std::string out = temp_path("rt.bin");
  write_fasttext_bin(out, skipgram());
  EXPECT_TRUE(slurp(out) == slurp(kDir + "skipgram.bin"));
  const std::string sup = temp_path("sup.bin");
  write_fasttext_bin(sup, read_fasttext_bin(kDir + "supervised.bin"));
  EXPECT_TRUE(slurp(sup) == slurp(kDir + "supervised.bin"));
  std::remove(out.c_str());
  std::remove(sup.c_str());
}

TEST(FastTextBin, SupervisedModelsReadWithTheirLabels) {
  const FastTextBin m = read_fasttext_bin(kDir + "supervised.bin");
  EXPECT_TRUE(m.is_supervised());
  EXPECT_EQ(m.nlabels, 2);
  EXPECT_EQ(m.output_rows, 2);
  EXPECT_EQ(m.types.back(), 1);
  EXPECT_EQ(m.words.back().rfind("__label__", 0), 0u);
  EXPECT_EQ(m.args.maxn, 0);  // supervised models have no character n-grams by default
  EXPECT_EQ(m.word_vectors().size(), m.nwords);
  // No n-grams: an unknown word has the zero vector, as fastText prints it.
  EXPECT_EQ(m.word_vector("hello"), std::vector<float>(4, 0.0f));
}

TEST(FastTextBin, QuantisedModelsAreRefused) {
  EXPECT_EMBER_ERROR(read_fasttext_bin(kDir + "supervised.ftz"),
                     "supervised.ftz: a quantised fastText model (.ftz");
}

TEST(FastTextBin, TruncatedModelsNameTheFieldAndOffset) {
  const std::string bytes = slurp(kDir + "supervised.bin");
  const std::string path = temp_path("cut.bin");
  // Every cut in the header and dictionary, then a stride through the matrices.
  std::vector<size_t> cuts;
  for (size_t n = 0; n < 400; ++n) cuts.push_back(n);
  for (size_t n = 400; n < bytes.size(); n += 97) cuts.push_back(n);
  cuts.push_back(bytes.size() - 1);
  for (size_t n : cuts) {
    spit(path, bytes.substr(0, n));
    try {
      read_fasttext_bin(path);
      ADD_FAILURE() << "a model cut at byte " << n << " was read";
    } catch (const ember::Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(path), std::string::npos) << what;
      EXPECT_TRUE(n < 8 || what.find("truncated") != std::string::npos) << n << ": " << what;
    }
  }
  spit(path, bytes.substr(0, bytes.size() - 200));
  EXPECT_EMBER_ERROR(read_fasttext_bin(path), "truncated fastText model: the input matrix at byte");
  std::remove(path.c_str());
}

void put_int(std::string& bytes, size_t at, int64_t value, size_t size) {
  std::memcpy(&bytes[at], &value, size);
}

TEST(FastTextBin, CorruptedModelsAreRefusedClearly) {
  const std::string good = slurp(kDir + "skipgram.bin");
  const std::string path = temp_path("bad.bin");
  const auto expect = [&](const std::string& bytes, const char* fragment) {
    spit(path, bytes);
    EXPECT_EMBER_ERROR(read_fasttext_bin(path), fragment);
  };
  std::string b = good;
  put_int(b, 0, 12345, 4);
  expect(b, "not a fastText model: byte 0 holds 12345");
  b = good;
  put_int(b, 4, 13, 4);
  expect(b, "fastText model version 13 at byte 4");
  b = good;
  put_int(b, 8, 0, 4);
  expect(b, "args.dim at byte 8 is 0");
  b = good;
  put_int(b, 36, 9, 4);
  expect(b, "args.model at byte 36 is 9");
  b = good;
  put_int(b, 64, 2000000000, 4);  // dictionary size
  expect(b, "the dictionary at byte 64 has size 2000000000");
  b = good;
  put_int(b, 68, 2000000000, 4);  // nwords and nlabels disagree with size
  expect(b, "the dictionary at byte 64 has size");
  b = good;
  put_int(b, 64, 0, 4);  // no entries at all: a huge dim would back no row
  put_int(b, 68, 0, 4);
  put_int(b, 8, 1 << 30, 4);
  expect(b, "the dictionary at byte 64 has no words");
  b = good;
  put_int(b, 40, 999999, 4);  // more buckets than the input matrix has rows
  expect(b, "fewer than the");
  b = good;
  b += "x";
  expect(b, "1 bytes after the output matrix");
  // The input matrix announcing 2^40 rows is refused before any allocation.
  const size_t dict_end =
      good.size() - 8 * size_t(skipgram().input_rows + skipgram().output_rows) * 4 - 2 * 16 - 2;
  b = good;
  ASSERT_EQ(b[dict_end], 0);  // quant_input
  put_int(b, dict_end + 1, int64_t(1) << 40, 8);
  expect(b, "holds 1099511627776 x 8 floats, more than the");
  b = good;
  put_int(b, dict_end + 9, 7, 8);
  expect(b, " x 7; expected m >= 0 rows and 8 columns");
  b = good;
  b[dict_end] = 1;
  expect(b, "a quantised fastText model");
  std::remove(path.c_str());
}

// Random bytes anywhere in the header and dictionary: each file is read or refused with an
// ember::Error, never a crash or an allocation the file cannot back.
TEST(FastTextBin, FuzzedHeadersReadOrFailCleanly) {
  const std::string good = slurp(kDir + "supervised.bin");
  const std::string path = temp_path("fuzz.bin");
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    std::string b = good;
    const int flips = 1 + int(rng() % 4);
    for (int f = 0; f < flips; ++f) b[rng() % 600] = char(rng());
    spit(path, b);
    try {
      const FastTextBin m = read_fasttext_bin(path);
      (void)m.word_vector("anything");
    } catch (const ember::Error&) {
    }
  }
  std::remove(path.c_str());
}

// An nn::Embedding for one's own vocabulary from a fastText model: the model's words and, for
// the others, their n-gram vectors; the padding row zero, the unknown token the mean. A
// model without n-grams (the supervised one) leaves an unknown word to the random rows.
TEST(FastTextBin, PretrainedEmbeddingTakesOovRowsFromNgrams) {
  const FastTextBin& m = skipgram();
  ember::data::VocabularyOptions options;
  options.specials = {"<pad>", "<unk>"};
  const ember::data::Vocabulary vocab = ember::data::Vocabulary::from_counts(
      {{"government", 9}, {"café", 8}, {"zzzqqq", 7}, {"governmentally", 6}}, options);
  ember::Generator gen(5);
  int64_t from_ngrams = -1;
  const ember::data::PretrainedEmbedding result =
      ember::data::build_pretrained_embedding(vocab, m, {}, &gen, &from_ngrams);
  EXPECT_EQ(result.coverage.found, 4);
  EXPECT_EQ(from_ngrams, 2);
  const std::vector<float> w = result.embedding->weight.to_vector<float>();
  ASSERT_EQ(w.size(), 6u * 8u);
  EXPECT_EQ(std::vector<float>(w.begin(), w.begin() + 8), std::vector<float>(8, 0.0f));
  for (int64_t id = 2; id < 6; ++id)
    EXPECT_EQ(std::vector<float>(w.begin() + id * 8, w.begin() + id * 8 + 8),
              m.word_vector(vocab.word(id)))
        << vocab.word(id);

  const FastTextBin sup = read_fasttext_bin(kDir + "supervised.bin");
  const ember::data::PretrainedEmbedding none =
      ember::data::build_pretrained_embedding(vocab, sup, {}, &gen, &from_ngrams);
  EXPECT_EQ(from_ngrams, 0);
  EXPECT_EQ(none.coverage.found, 1);  // "government" only: no n-grams for the others
}

// The format before the magic number (fastText before 0.2), made from skipgram.bin by taking
// out what that format lacked: the magic number and version, pruneidx_size, the two quant
// flags. Read when told, it gives the same model; written back, the current format.
TEST(FastTextBin, OldFormatWithoutMagicIsReadWhenTold) {
  const std::string good = slurp(kDir + "skipgram.bin");
  const FastTextBin& m = skipgram();
  const size_t matrices = 2 * 16 + 4 * size_t(m.input_rows + m.output_rows) * 8;
  const size_t quant_at = good.size() - matrices - 2;
  std::string old = good.substr(8, 84 - 8);  // args, then size .. ntokens
  old += good.substr(92, quant_at - 92);     // the entries
  old += good.substr(quant_at + 1, 16 + 4 * size_t(m.input_rows) * 8);   // input matrix
  old += good.substr(good.size() - 16 - 4 * size_t(m.output_rows) * 8);  // output matrix
  ASSERT_EQ(old.size(), good.size() - 8 - 8 - 2);
  const std::string path = temp_path("old.bin");
  spit(path, old);
  EXPECT_EMBER_ERROR(read_fasttext_bin(path), "--format fasttext-old reads it");
  ember::data::FastTextReadOptions options;
  options.old_format = true;
  const FastTextBin o = read_fasttext_bin(path, options);
  EXPECT_EQ(o.version, 0);
  EXPECT_EQ(o.words, m.words);
  EXPECT_EQ(o.input, m.input);
  EXPECT_EQ(o.word_vector("zzzqqq"), m.word_vector("zzzqqq"));
  const std::string back = temp_path("old_back.bin");
  write_fasttext_bin(back, o);
  EXPECT_TRUE(slurp(back) == good);  // (not EXPECT_EQ: it would print both files)
  ember::data::VectorReadOptions read;
  read.format = ember::data::VectorFormat::kFastTextOld;
  EXPECT_EQ(ember::data::read_vectors(path, read).values, m.word_vectors().values);
  std::remove(path.c_str());
  std::remove(back.c_str());
}

}  // namespace
