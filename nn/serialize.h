// Saving and loading tensors and modules in the safetensors format
// (https://github.com/huggingface/safetensors), and atomic file writes.
//
// A .safetensors file: 8 bytes, the little-endian length N of the header; N bytes of JSON,
//   {"__metadata__": {"key": "value"}, "name": {"dtype": "F32", "shape": [2, 3],
//    "data_offsets": [begin, end]}, ...}
// padded with spaces to a multiple of 8; then the raw little-endian data, each tensor's
// bytes at [begin, end) of it. dtypes: F32 F64 F16 I32 I64 BOOL.
//
// ember writes the header as safetensors' reference writer does: compact JSON, "__metadata__"
// first (omitted when empty, keys sorted), then the tensors in data order, which is by dtype
// (I64, F64, F32, I32, F16, BOOL: the reference's order of decreasing dtype) and then by
// name. So a file ember writes is byte-identical to the reference's for the same tensors,
// and for metadata of at most one key (the reference writes a hash map in no fixed order).
#pragma once

#include <map>
#include <string>

#include <ember/nn/module.h>
#include <ember/tensor/tensor.h>

namespace ember::nn {

// Writes the tensors (any device, any layout: each is saved as a dense CPU copy) and
// string metadata to `path`, atomically: a reader sees the old file or the new, never half.
void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Reads every tensor of a .safetensors file onto the CPU; fills *metadata when given. A
// malformed file (too short, bad JSON, unknown dtype, offsets out of range, overlapping or
// leaving gaps, a size that does not match the shape) raises ember::Error naming the file
// and what is wrong.
std::map<std::string, Tensor> load_safetensors(
    const std::string& path, std::map<std::string, std::string>* metadata = nullptr);

// A module's state_dict (parameters and buffers by dotted name) to and from a file.
void save(const Module& module, const std::string& path);
// strict: the file's keys must match the module's exactly (see Module::load_state_dict).
void load(Module& module, const std::string& path, bool strict = true);

// Writes `text` to `path` atomically: into path + ".tmp", fsync, then rename over path. On
// failure raises ember::Error and leaves any existing file at `path` as it was.
void write_text_atomic(const std::string& path, const std::string& text);

// The name of the first floating tensor of `tensors` that holds a nan or an inf, or "" when
// all are finite: what a loader checks before it trusts a file's weights, and a trainer
// before it writes a checkpoint.
std::string first_non_finite(const std::map<std::string, Tensor>& tensors);

// Why `path` cannot be read as a file, or "" when it can: "cannot open: <reason>" when it
// cannot be found, "a directory, not a regular file" (a FIFO or pipe, a character device, a
// block device, a socket) otherwise. Loaders ask before they open a path: opening a FIFO with
// no writer blocks forever, and a directory or device is no file to parse. Each loader names
// itself and the path around the answer.
std::string why_not_a_regular_file(const std::string& path);

// fsyncs the directory holding `path`, so that a rename into it survives a crash; called
// after the rename of an atomic write. A directory that cannot be opened is no error.
void sync_directory_of(const std::string& path);

}  // namespace ember::nn
