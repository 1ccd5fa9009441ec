#include <algorithm>

#include <ember/data/dataset.h>
#include <ember/nn/functional.h>
#include <ember/tensor/error.h>

namespace ember::data {

void Batch::set(std::string name, Tensor value) {
  for (auto& field : fields_)
    if (field.first == name) {
      field.second = std::move(value);
      return;
    }
  fields_.emplace_back(std::move(name), std::move(value));
}

bool Batch::has(std::string_view name) const {
  for (const auto& field : fields_)
    if (field.first == name) return true;
  return false;
}

const Tensor& Batch::operator[](std::string_view name) const {
  for (const auto& field : fields_)
    if (field.first == name) return field.second;
  std::string names;
  for (const auto& field : fields_) names += (names.empty() ? "" : ", ") + field.first;
  EMBER_FAIL("Batch: no field \"", name, "\" (fields: ", names, ")");
}

void Dataset::check_index(int64_t index, const char* dataset) const {
  EMBER_CHECK(index >= 0 && index < size(), dataset, ": index ", index, " out of range for ",
              size(), " examples");
}

Batch Dataset::get_batch(const std::vector<int64_t>& indices) const {
  std::vector<Batch> examples;
  examples.reserve(indices.size());
  for (int64_t index : indices) examples.push_back(get(index));
  return collate(examples);
}

Batch collate(const std::vector<Batch>& examples) {
  EMBER_CHECK(!examples.empty(), "collate: no examples");
  Batch batch;
  for (const auto& [name, first] : examples[0].fields()) {
    std::vector<Tensor> column;
    column.reserve(examples.size());
    for (size_t b = 0; b < examples.size(); ++b) {
      EMBER_CHECK(examples[b].has(name), "collate: example ", b, " has no field \"", name, "\"");
      const Tensor& value = examples[b][name];
      EMBER_CHECK(value.sizes() == first.sizes(), "collate: field \"", name, "\" of example ", b,
                  " has sizes ", value.sizes(), ", example 0 has ", first.sizes());
      column.push_back(value);
    }
    batch.set(name, stack(column, 0));
  }
  return batch;
}

PaddedIds pad_ids(const std::vector<std::vector<int64_t>>& sequences, int64_t pad_value,
                  bool batch_first) {
  const int64_t B = int64_t(sequences.size());
  int64_t T = 1;
  for (const auto& s : sequences) T = std::max(T, int64_t(s.size()));
  PaddedIds out;
  out.ids = full(batch_first ? Shape{B, T} : Shape{T, B}, double(pad_value), kInt64);
  out.lengths = empty({B}, kInt64);
  int64_t* ids = out.ids.data<int64_t>();  // [B, T] or [T, B]
  int64_t* lengths = out.lengths.data<int64_t>();
  for (int64_t b = 0; b < B; ++b) {
    const auto& s = sequences[size_t(b)];
    lengths[b] = int64_t(s.size());
    for (int64_t t = 0; t < int64_t(s.size()); ++t)
      ids[batch_first ? b * T + t : t * B + b] = s[size_t(t)];
  }
  return out;
}

}  // namespace ember::data
