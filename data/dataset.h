// Dataset and Batch, as torch.utils.data: a dataset has a size and gives example i as named
// tensors (the seeds' dict {'center': ..., 'positive': ...}); a batch is the same names with
// a leading [B] dimension. Datasets fill a whole batch at once (get_batch) so that the
// DataLoader does not stack B small tensors per field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ember/tensor/tensor.h>

namespace ember::data {

// Named tensors of one example or one batch, in insertion order.
class Batch {
 public:
  void set(std::string name, Tensor value);
  bool has(std::string_view name) const;
  // The field `name`; an error lists the fields there are.
  const Tensor& operator[](std::string_view name) const;
  const std::vector<std::pair<std::string, Tensor>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, Tensor>> fields_;
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  // Example `index` (the seeds' __getitem__): fields without a batch dimension.
  virtual Batch get(int64_t index) const = 0;
  // Examples `indices` as [B, ...] fields. The default collates get(i) of each; datasets
  // override it to write the batch directly. Must be safe to call from several threads.
  virtual Batch get_batch(const std::vector<int64_t>& indices) const;
  // The DataLoader calls this before each epoch; random per-example draws (negatives) depend
  // on (seed, epoch, index) only, so they do not depend on order or threads.
  virtual void set_epoch(int64_t epoch) { epoch_ = epoch; }
  int64_t epoch() const { return epoch_; }

 protected:
  // Checks 0 <= index < size() and names the dataset in the message.
  void check_index(int64_t index, const char* dataset) const;

 private:
  int64_t epoch_ = 0;
};

// Stacks each field of B examples along a new first dimension (torch's default_collate).
Batch collate(const std::vector<Batch>& examples);

// B id sequences -> ids [B, T] int64 (T the longest, at least 1), positions past a
// sequence's end set to pad_value, and lengths [B] int64; with batch_first = false ids is
// [T, B] as nn::pad_sequence gives.
struct PaddedIds {
  Tensor ids;
  Tensor lengths;
};
PaddedIds pad_ids(const std::vector<std::vector<int64_t>>& sequences, int64_t pad_value,
                  bool batch_first = true);

}  // namespace ember::data
