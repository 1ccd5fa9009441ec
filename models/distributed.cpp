#include <ember/models/distributed.h>

#include <algorithm>
#include <cmath>

namespace ember::models {

int64_t saturating_rows(const std::vector<int64_t>& counts, const std::vector<uint32_t>& keep,
                        int64_t window, int64_t negative, double power, double lr,
                        int64_t sync_every) {
  double total = 0, kept_total = 0, weight_total = 0;
  for (size_t w = 0; w < counts.size(); ++w) {
    total += double(counts[w]);
    kept_total += double(counts[w]) * std::min(1.0, double(keep[w]) * 0x1.0p-32);
    weight_total += std::pow(double(counts[w]), power);
  }
  if (total <= 0 || weight_total <= 0) return 0;
  const double share = double(sync_every) / total;  // of the corpus between two syncs
  int64_t rows = 0;
  for (size_t w = 0; w < counts.size(); ++w) {
    const double kept = double(counts[w]) * std::min(1.0, double(keep[w]) * 0x1.0p-32) * share;
    const double drawn =
        double(negative) * std::pow(double(counts[w]), power) / weight_total * kept_total * share;
    if (lr * std::max(kept * double(window), kept + drawn) >= 1) rows = int64_t(w) + 1;
  }
  return rows;
}

}  // namespace ember::models
