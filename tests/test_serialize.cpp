// safetensors: round trips of every dtype with metadata, the sample file written by
// tests/golden/make_golden_layers.py (read, and written back byte for byte), every
// malformed-file error, atomic writes, module save/load and the small JSON reader.
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include <ember/nn/json.h>
#include <ember/nn/nn.h>

#include "testing.h"

namespace ember {
namespace {

using testing::all_close;

// A fresh directory per test under gtest's temp dir.
std::string temp_dir() {
  static int counter = 0;
  std::string dir = ::testing::TempDir() + "ember_serialize_" + std::to_string(::getpid()) + "_" +
                    std::to_string(counter++);
  ::mkdir(dir.c_str(), 0755);
  return dir;
}

std::string read_bytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream s;
  s << file.rdbuf();
  return s.str();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// A file of the given header text (length prefix = its size unless given) and data bytes.
std::string make_file(const std::string& dir, const std::string& header, const std::string& data,
                      int64_t header_length = -1) {
  const uint64_t n = header_length < 0 ? header.size() : uint64_t(header_length);
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = char((n >> (8 * i)) & 0xFF);
  std::string path = dir + "/bad.safetensors";
  write_bytes(path, bytes + header + data);
  return path;
}

// The tensors of tests/golden/sample.safetensors (see make_golden_layers.py).
std::map<std::string, Tensor> sample_tensors() {
  std::vector<Half> halves;
  for (float v : {1.0f, -0.5f, 65504.0f, 0.00006103515625f}) {
    Half h;
    h.bits = float_to_half_bits(v);
    halves.push_back(h);
  }
  return {
      {"a_f32", tensor(std::vector<float>{1.5f, -2.25f, 3.0f, 0.125f, 1e-3f, -7.0f}, {2, 3})},
      {"b_f64", tensor(std::vector<double>{3.141592653589793, -2.718281828459045}, {2})},
      {"c_f16", tensor(halves, {2, 2})},
      {"d_i32", tensor(std::vector<int32_t>{-1, 2, 2147483647}, {3})},
      {"e_i64", tensor(std::vector<int64_t>{-9007199254740993LL, 42}, {2, 1})},
      {"f_bool", tensor(std::vector<bool>{true, false, true}, {3})},
      {"g_scalar", scalar_tensor(2.5)},
      {"h_empty", zeros({0, 4})},
  };
}

const std::map<std::string, std::string> kSampleMetadata = {
    {"format", "pt"}, {"note", "quote \" back\\slash\nnewline \xc3\xa9"}};

void expect_same_tensors(const std::map<std::string, Tensor>& actual,
                         const std::map<std::string, Tensor>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (const auto& [name, want] : expected) {
    ASSERT_TRUE(actual.count(name)) << name;
    const Tensor& got = actual.at(name);
    EXPECT_EQ(got.dtype(), want.dtype()) << name;
    EXPECT_EQ(got.sizes(), want.sizes()) << name;
    if (want.dtype() == kFloat16)
      EXPECT_TRUE(all_close(got.to(kFloat32), want.to(kFloat32), 0, 0)) << name;
    else if (want.dtype() == kInt64 || want.dtype() == kInt32 || want.dtype() == kBool)
      EXPECT_EQ(got.to_vector<int64_t>(), want.to_vector<int64_t>()) << name;
    else
      EXPECT_TRUE(all_close(got, want, 0, 0)) << name;
  }
}

// ---- round trips and the sample file ----

TEST(Serialize, RoundTripEveryDtypeWithMetadata) {
  std::string path = temp_dir() + "/all.safetensors";
  nn::save_safetensors(path, sample_tensors(), kSampleMetadata);
  EXPECT_FALSE(exists(path + ".tmp"));
  std::map<std::string, std::string> metadata;
  expect_same_tensors(nn::load_safetensors(path, &metadata), sample_tensors());
  EXPECT_EQ(metadata, kSampleMetadata);
  const std::string bytes = read_bytes(path);
  uint64_t header_length = 0;
  std::memcpy(&header_length, bytes.data(), 8);
  EXPECT_EQ(header_length % 8, 0u);  // padded with spaces
  EXPECT_EQ(bytes[8 + header_length - 1], ' ');
}

TEST(Serialize, ReadsTheSampleFileWrittenByPython) {
  std::map<std::string, std::string> metadata;
  auto tensors =
      nn::load_safetensors(std::string(EMBER_GOLDEN_DIR) + "/sample.safetensors", &metadata);
  expect_same_tensors(tensors, sample_tensors());
  EXPECT_EQ(metadata, kSampleMetadata);
}

TEST(Serialize, WritesTheSampleFileByteForByte) {
  std::string path = temp_dir() + "/sample.safetensors";
  nn::save_safetensors(path, sample_tensors(), kSampleMetadata);
  const std::string golden = read_bytes(std::string(EMBER_GOLDEN_DIR) + "/sample.safetensors");
  ASSERT_FALSE(golden.empty());
  EXPECT_EQ(read_bytes(path), golden);
}

// The byte vectors of the reference implementation's own serialization tests
// (safetensors/src/tensor.rs: test_serialization, test_serialization_forced_alignement,
// test_empty): length prefix, compact header padded with spaces, data.
TEST(Serialize, MatchesTheReferenceWritersBytes) {
  const std::string dir = temp_dir();
  auto le64 = [](uint64_t n) {
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i) bytes[i] = char((n >> (8 * i)) & 0xFF);
    return bytes;
  };
  Tensor values = arange(0.0, 6.0, 1.0, kFloat32);
  const std::string data(static_cast<const char*>(values.raw_data()), 24);
  struct Case {
    std::map<std::string, Tensor> tensors;
    std::map<std::string, std::string> metadata;
    std::string header;
  };
  std::vector<Case> cases = {
      {{{"attn.0", values.reshape({1, 2, 3})}},
       {},
       R"({"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}})"},
      {{{"attn0", values.reshape({1, 1, 2, 3})}},
       {},
       R"({"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       )"},
      {{}, {}, "{}      "},
      {{}, {{"framework", "pt"}}, R"({"__metadata__":{"framework":"pt"}}     )"},
  };
  for (const Case& c : cases) {
    const std::string path = dir + "/reference.safetensors";
    nn::save_safetensors(path, c.tensors, c.metadata);
    EXPECT_EQ(read_bytes(path), le64(c.header.size()) + c.header + (c.tensors.empty() ? "" : data));
  }
}

TEST(Serialize, SavesViewsAndSparseTensorsAsDenseCopies) {
  std::string path = temp_dir() + "/views.safetensors";
  Tensor base = randn({4, 6});
  Tensor sparse = row_sparse(tensor({3, 0}), ones({2, 2}), {5, 2});
  // Column slices with contiguous rows go out row by row (write_data); this one's 6.8 MB pass
  // through its 4 MiB buffer twice.
  Tensor wide = randn({4000, 432});
  nn::save_safetensors(path, {{"t", base.t()},
                              {"slice", base.slice(1, 0, 6, 2)},
                              {"columns", base.slice(1, 1, 5)},
                              {"padded", wide.slice(1, 0, 425)},
                              {"sparse", sparse}});
  auto loaded = nn::load_safetensors(path);
  EXPECT_TRUE(all_close(loaded.at("t"), base.t(), 0, 0));
  EXPECT_TRUE(all_close(loaded.at("slice"), base.slice(1, 0, 6, 2), 0, 0));
  EXPECT_TRUE(all_close(loaded.at("columns"), base.slice(1, 1, 5), 0, 0));
  EXPECT_TRUE(all_close(loaded.at("padded"), wide.slice(1, 0, 425), 0, 0));
  EXPECT_TRUE(all_close(loaded.at("sparse"), sparse.to_dense(), 0, 0));
  EXPECT_TRUE(loaded.at("t").is_contiguous());
  // No metadata: the header has no __metadata__ entry at all.
  EXPECT_EQ(read_bytes(path).find("__metadata__"), std::string::npos);
  EXPECT_EMBER_ERROR(nn::save_safetensors(path, {{"__metadata__", zeros({1})}}),
                     "cannot be named __metadata__");
}

// first_non_finite reads a padded table's view in place, row by row: a nan in a row of the view
// is found, one in the padding past it is not the view's; other views and dtypes through a copy.
TEST(Serialize, FirstNonFiniteReadsPaddedRowsInPlace) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  Tensor table = zeros({50, 8});
  const Tensor view = table.slice(1, 0, 5);  // 5 of each row's 8 floats
  EXPECT_EQ(nn::first_non_finite({{"a", ones({3})}, {"view", view}}), "");
  table.narrow(0, 49, 1).narrow(1, 7, 1).fill_(nan);  // padding
  EXPECT_EQ(nn::first_non_finite({{"view", view}}), "");
  table.narrow(0, 49, 1).narrow(1, 4, 1).fill_(inf);  // the last row's last element
  EXPECT_EQ(nn::first_non_finite({{"a", ones({3})}, {"view", view}}), "view");
  EXPECT_EQ(nn::first_non_finite({{"t", view.t()}}), "t");
  EXPECT_EQ(nn::first_non_finite({{"d", full({2, 2}, nan, kFloat64)}}), "d");
  EXPECT_EQ(nn::first_non_finite({{"h", full({2}, inf).half()}}), "h");
  EXPECT_EQ(nn::first_non_finite({{"ids", tensor({1, 2})}}), "");
}

// The check reads the bits: the largest finite values, the smallest subnormals and -0 pass;
// +inf, -inf and nan (of either sign) are found at every position of a vector's body and tail.
TEST(Serialize, FirstNonFiniteTellsEveryNonFiniteFromTheExtremes) {
  for (const DType dtype : {kFloat32, kFloat64}) {
    const bool f32 = dtype == kFloat32;
    const double largest =
        f32 ? double(std::numeric_limits<float>::max()) : std::numeric_limits<double>::max();
    const double tiny = f32 ? double(std::numeric_limits<float>::denorm_min())
                            : std::numeric_limits<double>::denorm_min();
    const int64_t n = 37;  // past any vector width, with a tail
    Tensor t = zeros({n}, dtype);
    for (int64_t i = 0; i < n; ++i)
      t.narrow(0, i, 1).fill_(i % 4 == 0   ? largest
                              : i % 4 == 1 ? -largest
                              : i % 4 == 2 ? tiny
                                           : -0.0);
    ASSERT_EQ(nn::first_non_finite({{"t", t}}), "") << dtype_name(dtype);
    for (const double bad :
         {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
          std::numeric_limits<double>::quiet_NaN(), -std::numeric_limits<double>::quiet_NaN()})
      for (int64_t at = 0; at < n; ++at) {
        Tensor u = t.clone();
        u.narrow(0, at, 1).fill_(bad);
        ASSERT_EQ(nn::first_non_finite({{"u", u}}), "u")
            << dtype_name(dtype) << " " << bad << " at " << at;
      }
  }
}

// ---- malformed files: each error names the file and what is wrong ----

struct Malformed {
  const char* what;
  std::string header;
  std::string data;
  int64_t header_length;
  const char* message;
};

TEST(Serialize, MalformedFilesRaiseClearErrors) {
  const std::string dir = temp_dir();
  const std::string f32x2 = R"("x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  const std::string eight(8, '\0'), sixteen(16, '\0');
  std::vector<Malformed> cases = {
      {"length past the end", "{}", "", 100, "header length 100 runs past the end of the file"},
      {"huge length", "{}", "", int64_t(1) << 40, "is over the limit"},
      {"bad json", R"({"x":{"dtype":"F32",)", "", -1, "header is not valid JSON"},
      {"trailing comma", "{" + f32x2 + ",}", eight, -1, "header is not valid JSON"},
      {"not an object", "[1,2]", "", -1, "header must be a JSON object, got an array"},
      {"unknown dtype", R"({"x":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}})", eight, -1,
       "tensor 'x': unknown dtype 'F33'"},
      {"unsupported dtype", R"({"x":{"dtype":"BF16","shape":[4],"data_offsets":[0,8]}})", eight, -1,
       "dtype BF16 is not supported by ember"},
      {"offsets past data", "{" + f32x2 + "}", "1234", -1,
       "tensor 'x': data_offsets [0, 8] run past the end of the data (4 bytes)"},
      {"overlap", "{" + f32x2 + R"(,"y":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
       sixteen, -1, "tensors 'x' [0, 8] and 'y' [4, 12] overlap"},
      {"gap", R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", sixteen, -1,
       "data bytes [0, 8) before tensor 'x' belong to no tensor"},
      {"trailing data", "{" + f32x2 + "}", sixteen, -1,
       "data bytes [8, 16) after the last tensor belong to no tensor"},
      {"size mismatch", R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", eight, -1,
       "tensor 'x' of dtype F32 and shape [3] needs 12 bytes but data_offsets [0, 8] span 8"},
      {"reversed offsets", R"({"x":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", eight, -1,
       "end before they begin"},
      {"negative shape", R"({"x":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", eight, -1,
       "a shape entry must be a non-negative integer, got -2"},
      {"float shape", R"({"x":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", eight, -1,
       "must be a non-negative integer, got 2.0"},
      {"missing key", R"({"x":{"dtype":"F32","shape":[2]}})", eight, -1,
       "needs \"dtype\", \"shape\" and \"data_offsets\""},
      {"extra key", R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"z":1}})", eight, -1,
       "unexpected key \"z\""},
      {"one offset", R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", eight, -1,
       "data_offsets must be an array [begin, end]"},
      {"metadata value", R"({"__metadata__":{"a":1}})", "", -1,
       "__metadata__ value of \"a\" must be a string, got a number"},
      {"duplicate key", "{" + f32x2 + "," + f32x2 + "}", eight, -1, "duplicate key \"x\""},
      {"bool byte", R"({"b":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}})",
       std::string("\x01\x02", 2), -1, "BOOL tensor 'b' holds byte 2 at element 1"},
      // 2^62 F32 elements are 2^64 bytes, which must not wrap to the 0 of the offsets.
      {"size wraps", R"({"x":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}})",
       "", -1, "tensor 'x' of dtype F32 and shape [4611686018427387904] is more than 2^63 bytes"},
      {"elements wrap",
       R"({"x":{"dtype":"BOOL","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", "", -1,
       "tensor 'x': shape [4294967296, 4294967296]... has more than 2^63 elements"},
  };
  for (const Malformed& c : cases) {
    SCOPED_TRACE(c.what);
    std::string path = make_file(dir, c.header, c.data, c.header_length);
    EXPECT_EMBER_ERROR(nn::load_safetensors(path), "load_safetensors: '" + path + "': ");
    EXPECT_EMBER_ERROR(nn::load_safetensors(path), c.message);
  }
  std::string short_file = dir + "/short.safetensors";
  write_bytes(short_file, "abc");
  EXPECT_EMBER_ERROR(nn::load_safetensors(short_file),
                     "file is 3 bytes, too short for the 8-byte header length");
  EXPECT_EMBER_ERROR(nn::load_safetensors(dir + "/missing.safetensors"),
                     "missing.safetensors': cannot open: No such file");
  EXPECT_EMBER_ERROR(nn::load_safetensors(dir),
                     "load_safetensors: '" + dir + "': a directory, not a regular file");
  // A FIFO with no writer: an error at once, not an open that blocks forever.
  const std::string fifo = dir + "/fifo.safetensors";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EMBER_ERROR(nn::load_safetensors(fifo),
                     "fifo.safetensors': a FIFO or pipe, not a regular file");
  ::unlink(fifo.c_str());
}

// ---- atomic writes ----

TEST(Serialize, FailedWriteLeavesTheOldFileIntact) {
  const std::string dir = temp_dir();
  const std::string path = dir + "/model.safetensors";
  nn::save_safetensors(path, {{"w", ones({3})}});
  const std::string before = read_bytes(path);
  // A directory where the temporary file should go: creating it fails (even for root).
  ::mkdir((path + ".tmp").c_str(), 0755);
  EXPECT_EMBER_ERROR(nn::save_safetensors(path, {{"w", zeros({3})}}),
                     "save_safetensors: cannot create '" + path + ".tmp'");
  EXPECT_EQ(read_bytes(path), before);
  ::rmdir((path + ".tmp").c_str());
  EXPECT_EMBER_ERROR(nn::save_safetensors(dir + "/no/such/dir/x.safetensors", {}), "cannot create");
  nn::write_text_atomic(dir + "/vocab.json", "{\"a\": 1}\n");
  EXPECT_EQ(read_bytes(dir + "/vocab.json"), "{\"a\": 1}\n");
  nn::write_text_atomic(dir + "/vocab.json", "{}");
  EXPECT_EQ(read_bytes(dir + "/vocab.json"), "{}");
  EXPECT_FALSE(exists(dir + "/vocab.json.tmp"));
  ::mkdir((dir + "/side.json.tmp").c_str(), 0755);
  EXPECT_EMBER_ERROR(nn::write_text_atomic(dir + "/side.json", "x"), "write_text_atomic");
}

TEST(Serialize, WriteErrorPartWayRemovesTheTemporaryFile) {
  const std::string dir = temp_dir();
  const std::string path = dir + "/model.safetensors";
  nn::save_safetensors(path, {{"w", ones({3})}});
  const std::string before = read_bytes(path);
  {
    testing::FileSizeLimit limit(4096);  // disk full part way through the data
    EXPECT_EMBER_ERROR(nn::save_safetensors(path, {{"w", zeros({100000})}}),
                       "save_safetensors: cannot write '" + path + ".tmp'");
  }
  EXPECT_FALSE(exists(path + ".tmp"));
  EXPECT_EQ(read_bytes(path), before);
}

// ---- modules ----

TEST(Serialize, SaveAndLoadAModule) {
  const std::string path = temp_dir() + "/mlp.safetensors";
  Generator g1(1), g2(2);
  nn::Sequential source(
      {std::make_shared<nn::Linear>(3, 4, true, &g1), std::make_shared<nn::LayerNorm>(Shape{4})});
  nn::Sequential target(
      {std::make_shared<nn::Linear>(3, 4, true, &g2), std::make_shared<nn::LayerNorm>(Shape{4})});
  nn::save(source, path);
  auto keys = nn::load_safetensors(path);
  EXPECT_TRUE(keys.count("0.weight") && keys.count("1.bias"));
  nn::load(target, path);
  Tensor x = randn({2, 3});
  EXPECT_TRUE(all_close(target(x), source(x), 0, 0));

  nn::Sequential bigger({std::make_shared<nn::Linear>(3, 4),
                         std::make_shared<nn::LayerNorm>(Shape{4}),
                         std::make_shared<nn::Linear>(4, 1)});
  EXPECT_EMBER_ERROR(nn::load(bigger, path), "load: '" + path + "'");
  EXPECT_EMBER_ERROR(nn::load(bigger, path), "missing keys [2.weight, 2.bias]");
  nn::load(bigger, path, /*strict=*/false);
  EXPECT_TRUE(all_close(std::dynamic_pointer_cast<nn::Linear>(bigger[0])->weight,
                        std::dynamic_pointer_cast<nn::Linear>(source[0])->weight, 0, 0));
}

// ---- the JSON reader ----

TEST(Serialize, JsonReaderIsStrict) {
  nn::json::Value v = nn::json::parse(
      R"( {"s": "a\"b\\c\/\n\u00e9\ud83d\ude00", "n": [0, -1.5e3, 12], "t": true, "z": null} )");
  ASSERT_EQ(v.kind, nn::json::Value::Kind::kObject);
  ASSERT_EQ(v.members.size(), 4u);
  EXPECT_EQ(v.members[0].second.text, "a\"b\\c/\n\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(v.members[1].second.items[1].text, "-1.5e3");
  EXPECT_TRUE(v.members[2].second.boolean);
  EXPECT_EQ(v.members[3].second.kind, nn::json::Value::Kind::kNull);
  EXPECT_EMBER_ERROR(nn::json::parse("01"), "leading zero");
  EXPECT_EMBER_ERROR(nn::json::parse("[1,]"), "unexpected character ']'");
  EXPECT_EMBER_ERROR(nn::json::parse("{} x"), "unexpected text after the JSON value at byte 3");
  EXPECT_EMBER_ERROR(nn::json::parse("\"a\nb\""), "control character");
  EXPECT_EMBER_ERROR(nn::json::parse("\"\\ud800\""), "unpaired surrogate");
  EXPECT_EMBER_ERROR(nn::json::parse(std::string(100, '[')), "nesting deeper than 64");
  EXPECT_EMBER_ERROR(nn::json::parse("tru"), "invalid literal");
  EXPECT_EQ(nn::json::quote("a\"\\\n\x01\xc3\xa9"), "\"a\\\"\\\\\\n\\u0001\xc3\xa9\"");
}

}  // namespace
}  // namespace ember
