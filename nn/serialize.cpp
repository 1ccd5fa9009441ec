#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <limits>
#include <sys/stat.h>
#include <type_traits>
#include <unistd.h>
#include <vector>

#include <ember/nn/json.h>
#include <ember/nn/serialize.h>
#include <ember/tensor/ops/copy.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ember's safetensors reader and writer assume a little-endian host"
#endif

namespace ember::nn {

namespace {

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // as the reference reader's limit

// ---- atomic writes: path.tmp, fsync, rename ----

class AtomicFile {
 public:
  AtomicFile(std::string path, const char* op)
      : path_(std::move(path)), tmp_(path_ + ".tmp"), op_(op) {
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) fail("cannot create");
  }
  ~AtomicFile() {  // not committed: an error happened; drop the temporary file
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(tmp_.c_str());
  }
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t n) {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
      const ssize_t written = ::write(fd_, p, n);
      if (written < 0 && errno == EINTR) continue;
      if (written <= 0) fail("cannot write");
      p += written;
      n -= size_t(written);
    }
  }

  void commit() {
    if (::fsync(fd_) != 0) fail("cannot fsync");
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail("cannot close");
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) fail("cannot rename over the target");
    committed_ = true;
    sync_directory_of(path_);
  }

 private:
  [[noreturn]] void fail(const char* what) const {
    EMBER_FAIL(op_, ": ", what, " '", tmp_, "' while writing '", path_,
               "': ", std::strerror(errno));
  }

  std::string path_, tmp_;
  const char* op_;
  int fd_ = -1;
  bool committed_ = false;
};

// ---- dtypes ----

const char* safetensors_dtype(DType dtype) {
  switch (dtype) {
    case kFloat32:
      return "F32";
    case kFloat64:
      return "F64";
    case kFloat16:
      return "F16";
    case kInt32:
      return "I32";
    case kInt64:
      return "I64";
    case kBool:
      return "BOOL";
  }
  return "?";
}

// The reference writer's data order: decreasing dtype in its enum (BOOL < F16 < I32 < F32 <
// F64 < I64 among ours).
int dtype_rank(DType dtype) {
  switch (dtype) {
    case kBool:
      return 0;
    case kFloat16:
      return 1;
    case kInt32:
      return 2;
    case kFloat32:
      return 3;
    case kFloat64:
      return 4;
    case kInt64:
      return 5;
  }
  return -1;
}

// ---- reading: every check names the file ----

struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin, end;  // in the data section
};

class HeaderReader {
 public:
  explicit HeaderReader(const std::string& path) : path_(path) {}

  template <typename... Args>
  [[noreturn]] void fail(const Args&... what) const {
    EMBER_FAIL("load_safetensors: '", path_, "': ", what...);
  }

  // A JSON integer in [0, 2^63).
  uint64_t count(const json::Value& v, const std::string& what) const {
    if (v.kind != json::Value::Kind::kNumber)
      fail(what, " must be an integer, got ", json::kind_name(v.kind));
    uint64_t n = 0;
    for (const char c : v.text) {
      if (c < '0' || c > '9') fail(what, " must be a non-negative integer, got ", v.text);
      if (n > (uint64_t(std::numeric_limits<int64_t>::max()) - uint64_t(c - '0')) / 10)
        fail(what, " ", v.text, " is too large");
      n = n * 10 + uint64_t(c - '0');
    }
    return n;
  }

  DType dtype(const json::Value& v, const std::string& name) const {
    if (v.kind != json::Value::Kind::kString)
      fail("tensor '", name, "': dtype must be a string, got ", json::kind_name(v.kind));
    const std::string& s = v.text;
    if (s == "F32") return kFloat32;
    if (s == "F64") return kFloat64;
    if (s == "F16") return kFloat16;
    if (s == "I32") return kInt32;
    if (s == "I64") return kInt64;
    if (s == "BOOL") return kBool;
    for (const char* other : {"BF16", "U8", "I8", "U16", "I16", "U32", "U64", "F8_E4M3", "F8_E5M2"})
      if (s == other)
        fail("tensor '", name, "': dtype ", s,
             " is not supported by ember (supported: F32 F64 F16 I32 I64 BOOL)");
    fail("tensor '", name, "': unknown dtype '", s, "'");
  }

  Entry entry(const std::string& name, const json::Value& info) const {
    if (info.kind != json::Value::Kind::kObject)
      fail("tensor '", name, "' must be described by an object, got ", json::kind_name(info.kind));
    const json::Value *dtype_v = nullptr, *shape_v = nullptr, *offsets_v = nullptr;
    for (const auto& [key, value] : info.members) {
      if (key == "dtype")
        dtype_v = &value;
      else if (key == "shape")
        shape_v = &value;
      else if (key == "data_offsets")
        offsets_v = &value;
      else
        fail("tensor '", name, "': unexpected key \"", key, "\"");
    }
    if (!dtype_v || !shape_v || !offsets_v)
      fail("tensor '", name, "': needs \"dtype\", \"shape\" and \"data_offsets\"");
    Entry e{name, dtype(*dtype_v, name), {}, 0, 0};
    if (shape_v->kind != json::Value::Kind::kArray)
      fail("tensor '", name, "': shape must be an array, got ", json::kind_name(shape_v->kind));
    // The byte size, overflow-checked: a shape such as [2^62] of F32 must not wrap to a size
    // that matches small data_offsets.
    int64_t numel = 1, bytes = 0;
    for (const json::Value& size : shape_v->items) {
      const uint64_t n = count(size, "tensor '" + name + "': a shape entry");
      e.shape.push_back(int64_t(n));
      if (!checked_mul(numel, int64_t(n), &numel))
        fail("tensor '", name, "': shape ", e.shape, "... has more than 2^63 elements");
    }
    if (!checked_mul(numel, int64_t(element_size(e.dtype)), &bytes))
      fail("tensor '", name, "' of dtype ", dtype_v->text, " and shape ", e.shape,
           " is more than 2^63 bytes");
    if (offsets_v->kind != json::Value::Kind::kArray || offsets_v->items.size() != 2)
      fail("tensor '", name, "': data_offsets must be an array [begin, end]");
    e.begin = count(offsets_v->items[0], "tensor '" + name + "': data_offsets begin");
    e.end = count(offsets_v->items[1], "tensor '" + name + "': data_offsets end");
    if (e.begin > e.end)
      fail("tensor '", name, "': data_offsets [", e.begin, ", ", e.end, "] end before they begin");
    if (e.end - e.begin != uint64_t(bytes))
      fail("tensor '", name, "' of dtype ", dtype_v->text, " and shape ", e.shape, " needs ", bytes,
           " bytes but data_offsets [", e.begin, ", ", e.end, "] span ", e.end - e.begin);
    return e;
  }

  // The whole header: entries sorted by begin, checked to tile [0, data_bytes) exactly.
  std::vector<Entry> entries(const std::string& header, uint64_t data_bytes,
                             std::map<std::string, std::string>* metadata) const {
    json::Value root;
    try {
      root = json::parse(header);
    } catch (const Error& e) {
      fail("header is not valid JSON (", e.what(), ")");
    }
    if (root.kind != json::Value::Kind::kObject)
      fail("header must be a JSON object, got ", json::kind_name(root.kind));
    std::vector<Entry> out;
    for (const auto& [name, value] : root.members) {
      if (name == "__metadata__") {
        if (value.kind != json::Value::Kind::kObject)
          fail("__metadata__ must be an object, got ", json::kind_name(value.kind));
        for (const auto& [key, text] : value.members) {
          if (text.kind != json::Value::Kind::kString)
            fail("__metadata__ value of \"", key, "\" must be a string, got ",
                 json::kind_name(text.kind));
          if (metadata) (*metadata)[key] = text.text;
        }
        continue;
      }
      out.push_back(entry(name, value));
    }
    std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) {
      return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    uint64_t covered = 0;  // data bytes [0, covered) belong to the tensors so far
    const Entry* previous = nullptr;
    for (const Entry& e : out) {
      if (e.end > data_bytes)
        fail("tensor '", e.name, "': data_offsets [", e.begin, ", ", e.end,
             "] run past the end of the data (", data_bytes, " bytes)");
      if (e.begin < covered)
        fail("tensors '", previous->name, "' [", previous->begin, ", ", previous->end, "] and '",
             e.name, "' [", e.begin, ", ", e.end, "] overlap");
      if (e.begin > covered)
        fail("data bytes [", covered, ", ", e.begin, ") before tensor '", e.name,
             "' belong to no tensor (a gap)");
      covered = e.end;
      previous = &e;
    }
    if (covered != data_bytes)
      fail("data bytes [", covered, ", ", data_bytes,
           ") after the last tensor belong to no tensor");
    return out;
  }

 private:
  const std::string& path_;
};

// A dense, contiguous CPU copy (or the tensor itself when it already is one).
Tensor host_contiguous(const Tensor& t) {
  Tensor dense = t.is_row_sparse() ? t.detach().to_dense() : t.detach();
  return ops::contiguous(ops::to_device(dense, Device(kCPU)));
}

// Writes t's elements in row-major order. A CPU matrix whose rows are each contiguous but not
// packed together (a column slice of a padded table: models::RowTable::view) goes out row by
// row through a 4 MiB buffer instead of as a contiguous copy of the whole matrix, so saving
// a table of millions of rows needs no second table's memory.
void write_data(AtomicFile& file, const Tensor& t) {
  if (t.numel() == 0) return;
  const size_t element = element_size(t.dtype());
  if (t.is_row_sparse() || t.is_cuda() || t.dim() != 2 || t.stride(1) != 1 || t.is_contiguous()) {
    Tensor host = host_contiguous(t);
    file.write(host.raw_data(), size_t(host.numel()) * element);
    return;
  }
  const size_t row_bytes = size_t(t.size(1)) * element;
  std::vector<char> buffer;
  buffer.reserve(std::max(size_t(4) << 20, row_bytes));
  const char* base = static_cast<const char*>(t.raw_data());
  for (int64_t r = 0; r < t.size(0); ++r) {
    if (buffer.size() + row_bytes > buffer.capacity()) {
      file.write(buffer.data(), buffer.size());
      buffer.clear();
    }
    const char* row = base + size_t(r * t.stride(0)) * element;
    buffer.insert(buffer.end(), row, row + row_bytes);
  }
  file.write(buffer.data(), buffer.size());
}

}  // namespace

void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  const char* op = "save_safetensors";
  std::vector<std::pair<std::string, Tensor>> order;
  for (const auto& [name, t] : tensors) {
    EMBER_CHECK(name != "__metadata__", op, ": '", path,
                "': a tensor cannot be named __metadata__");
    EMBER_CHECK(t.defined(), op, ": '", path, "': tensor '", name, "' is undefined");
    order.emplace_back(name, t);
  }
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return dtype_rank(a.second.dtype()) > dtype_rank(b.second.dtype());  // names stay sorted
  });

  std::string header = "{";
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [key, value] : metadata) {
      header += (first ? "" : ",") + json::quote(key) + ":" + json::quote(value);
      first = false;
    }
    header += "}";
  }
  uint64_t offset = 0;
  for (const auto& [name, t] : order) {
    const uint64_t bytes = uint64_t(t.numel()) * element_size(t.dtype());
    if (header.size() > 1) header += ",";
    header +=
        json::quote(name) + ":{\"dtype\":\"" + safetensors_dtype(t.dtype()) + "\",\"shape\":[";
    for (int64_t d = 0; d < t.dim(); ++d) header += (d ? "," : "") + std::to_string(t.size(d));
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," +
              std::to_string(offset + bytes) + "]}";
    offset += bytes;
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');

  AtomicFile file(path, op);
  const uint64_t header_length = header.size();  // little-endian host: the bytes as they are
  file.write(&header_length, 8);
  file.write(header.data(), header.size());
  for (const auto& [name, t] : order) write_data(file, t.detach());
  file.commit();
}

std::map<std::string, Tensor> load_safetensors(const std::string& path,
                                               std::map<std::string, std::string>* metadata) {
  HeaderReader reader(path);
  if (const std::string why = why_not_a_regular_file(path); !why.empty()) reader.fail(why);
  std::ifstream file(path, std::ios::binary);
  if (!file) reader.fail("cannot open the file: ", std::strerror(errno));
  file.seekg(0, std::ios::end);
  const std::streamoff end = file.tellg();
  if (!file || end < 0) reader.fail("cannot read the file (is it a directory?)");
  const uint64_t file_bytes = uint64_t(end);
  file.seekg(0);
  if (file_bytes < 8)
    reader.fail("file is ", file_bytes, " bytes, too short for the 8-byte header length");
  uint64_t header_bytes = 0;
  file.read(reinterpret_cast<char*>(&header_bytes), 8);
  if (header_bytes > kMaxHeaderBytes)
    reader.fail("header length ", header_bytes, " is over the limit of ", kMaxHeaderBytes,
                " bytes");
  if (header_bytes > file_bytes - 8)
    reader.fail("header length ", header_bytes, " runs past the end of the file (", file_bytes,
                " bytes)");
  std::string header(header_bytes, '\0');
  file.read(header.data(), std::streamsize(header_bytes));
  if (!file) reader.fail("cannot read the header");

  std::map<std::string, std::string> found_metadata;
  const uint64_t data_start = 8 + header_bytes;
  std::vector<Entry> entries = reader.entries(header, file_bytes - data_start, &found_metadata);
  std::map<std::string, Tensor> out;
  for (const Entry& e : entries) {
    Tensor t = empty(e.shape, e.dtype);
    if (e.end > e.begin) {
      file.seekg(std::streamoff(data_start + e.begin));
      file.read(static_cast<char*>(t.raw_data()), std::streamsize(e.end - e.begin));
      if (!file) reader.fail("cannot read the data of tensor '", e.name, "'");
    }
    if (e.dtype == kBool) {
      const unsigned char* bytes = static_cast<const unsigned char*>(t.raw_data());
      for (int64_t i = 0; i < t.numel(); ++i)
        if (bytes[i] > 1)
          reader.fail("BOOL tensor '", e.name, "' holds byte ", int(bytes[i]), " at element ", i,
                      " (must be 0 or 1)");
    }
    out.emplace(e.name, t);
  }
  if (metadata) *metadata = std::move(found_metadata);
  return out;
}

void save(const Module& module, const std::string& path) {
  save_safetensors(path, module.state_dict());
}

void load(Module& module, const std::string& path, bool strict) {
  std::map<std::string, Tensor> state = load_safetensors(path);
  try {
    module.load_state_dict(state, strict);
  } catch (const Error& e) {
    EMBER_FAIL("load: '", path, "': ", e.what());
  }
}

namespace {

// Whether p[0, n) are all finite. A float is inf or nan exactly when its exponent bits are all
// ones; tested on the bits, the loop vectorises (std::isfinite per element compiles to a scalar
// compare), so a trainer's check before each checkpoint runs at memory speed.
template <typename T>
bool all_finite(const T* p, int64_t n) {
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  constexpr Bits kExponent = sizeof(T) == 4 ? Bits(0x7f800000u) : Bits(0x7ff0000000000000ull);
  Bits bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    Bits b;
    std::memcpy(&b, p + i, sizeof b);
    bad |= Bits((b & kExponent) == kExponent);
  }
  return bad == 0;
}

// Whether every element of t (float32 or float64, on the CPU) is finite. A matrix whose rows
// are each contiguous, as a padded table's view is, is read in place row by row: a trainer
// checks its tables before every checkpoint, and a copy of fastText's 2M-bucket table would
// double the run's peak memory.
template <typename T>
bool all_finite(const Tensor& t) {
  if (!t.is_row_sparse() && t.dim() == 2 && t.stride(1) == 1) {
    const T* p = t.data<T>();
    for (int64_t r = 0; r < t.size(0); ++r)
      if (!all_finite(p + r * t.stride(0), t.size(1))) return false;
    return true;
  }
  const Tensor c = t.contiguous();
  return all_finite(c.data<T>(), c.numel());
}

}  // namespace

std::string first_non_finite(const std::map<std::string, Tensor>& tensors) {
  for (const auto& [name, t] : tensors) {
    const DType dtype = t.dtype();
    if (dtype != kFloat32 && dtype != kFloat64 && dtype != kFloat16) continue;
    const Tensor c = (dtype == kFloat64 ? t : t.to(kFloat32)).cpu();
    if (!(dtype == kFloat64 ? all_finite<double>(c) : all_finite<float>(c))) return name;
  }
  return "";
}

std::string why_not_a_regular_file(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return std::string("cannot open: ") + std::strerror(errno);
  if (S_ISREG(st.st_mode)) return "";
  const char* kind = S_ISDIR(st.st_mode)    ? "a directory"
                     : S_ISFIFO(st.st_mode) ? "a FIFO or pipe"
                     : S_ISCHR(st.st_mode)  ? "a character device"
                     : S_ISBLK(st.st_mode)  ? "a block device"
                     : S_ISSOCK(st.st_mode) ? "a socket"
                                            : "a special file";
  return std::string(kind) + ", not a regular file";
}

void sync_directory_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

void write_text_atomic(const std::string& path, const std::string& text) {
  AtomicFile file(path, "write_text_atomic");
  file.write(text.data(), text.size());
  file.commit();
}

}  // namespace ember::nn
