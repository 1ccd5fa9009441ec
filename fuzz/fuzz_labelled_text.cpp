// Labelled text (data/labelled_text.h), TSV and fastText's __label__ format: a vocabulary
// built from the file, then the dataset read with it, with and without a length limit, and
// every text fetched in one padded batch.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <vector>

#include <ember/data/labelled_text.h>
#include <ember/tensor/error.h>

#include "fuzz_input.h"

using namespace ember;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::write_input("texts.tsv", data, size);
  for (data::TextFormat format : {data::TextFormat::kTsv, data::TextFormat::kFastText}) {
    try {
      data::LabelledTextOptions options;
      options.format = format;
      options.max_length = size % 3 == 0 ? 0 : 4;
      options.keep_last = size % 2 == 0;
      options.add_bos_eos = size % 5 == 0;
      data::VocabularyOptions vocab_options;
      const data::Vocabulary vocab =
          data::LabelledTextDataset::build_vocabulary(path, vocab_options, options);
      const data::LabelledTextDataset dataset(path, vocab, options);
      if (dataset.size() > 0) {
        std::vector<int64_t> all(size_t(dataset.size()));
        std::iota(all.begin(), all.end(), 0);
        (void)dataset.get_batch(all);
      }
      for (int64_t i = 0; i < dataset.size(); ++i)
        if (dataset.label(i) < 0 || dataset.label(i) >= int64_t(dataset.label_names().size()))
          std::abort();
    } catch (const Error&) {
    }
  }
  return 0;
}
