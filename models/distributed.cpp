#include <ember/models/distributed.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include <ember/tensor/error.h>

namespace ember::models {

int64_t checked_synced_rows(const SyncRows& rows, int64_t table_rows, size_t t, const char* who) {
  std::vector<bool> seen(rows.order.empty() ? 0 : size_t(table_rows), false);
  for (const int32_t row : rows.order) {
    EMBER_CHECK(row >= 0 && row < table_rows && !seen[size_t(row)], who, ": row ", row,
                " of table ", t, " out of range or repeated");
    seen[size_t(row)] = true;
  }
  const int64_t synced = rows.order.empty() ? table_rows : int64_t(rows.order.size());
  EMBER_CHECK(rows.saturating >= 0 && rows.saturating <= synced, who, ": ", rows.saturating,
              " saturating rows of table ", t, "'s ", synced);
  return synced;
}

WordUpdates word_updates(const std::vector<int64_t>& counts, const std::vector<uint32_t>& keep,
                         int64_t window, double negatives, double power, int64_t sync_every) {
  const size_t V = counts.size();
  WordUpdates u{std::vector<double>(V, 0.0), std::vector<double>(V, 0.0)};
  double total = 0, kept_total = 0, weight_total = 0;
  for (size_t w = 0; w < V; ++w) {
    total += double(counts[w]);
    kept_total += double(counts[w]) * std::min(1.0, double(keep[w]) * 0x1.0p-32);
    weight_total += std::pow(double(counts[w]), power);
  }
  if (total <= 0 || weight_total <= 0) return u;
  const double share = double(sync_every) / total;  // of the corpus between two syncs
  for (size_t w = 0; w < V; ++w) {
    const double kept = double(counts[w]) * std::min(1.0, double(keep[w]) * 0x1.0p-32) * share;
    const double drawn =
        negatives * std::pow(double(counts[w]), power) / weight_total * kept_total * share;
    u.input[w] = kept * double(window);
    u.output[w] = kept + drawn;
  }
  return u;
}

SyncRows rows_in_row_order(const std::vector<double>& updates, double lr) {
  SyncRows rows;
  for (size_t row = 0; row < updates.size(); ++row)
    if (lr * updates[row] >= 1) rows.saturating = int64_t(row) + 1;
  return rows;
}

std::vector<PositionRange> partial_sync_positions(int64_t synced, int64_t hot, int64_t k,
                                                  int64_t per_epoch, bool tiers) {
  EMBER_CHECK(k >= 1 && k <= per_epoch, "partial sync ", k, " of ", per_epoch);
  hot = std::clamp<int64_t>(hot, 0, synced);
  std::vector<PositionRange> ranges;
  if (hot > 0) ranges.push_back({0, hot});
  // Without tiers (or hot rows to double) the rest comes round once an epoch.
  const bool tiered = tiers && hot > 0;
  for (int64_t begin = hot, period = tiered ? 2 : per_epoch; begin < synced; period *= 2) {
    // The last tier holds the rest of the table, once a tier of twice the last would come
    // round less often than once an epoch or reach past the end.
    const bool last = period >= per_epoch || begin > synced - begin;
    const int64_t end = last ? synced : 2 * begin, every = std::min(period, per_epoch);
    const int64_t slice = (end - begin + every - 1) / every;
    const int64_t from = std::min(end, begin + (k - 1) % every * slice);
    if (from < end) ranges.push_back({from, std::min(end, from + slice)});
    begin = end;
  }
  return ranges;
}

SyncRows rows_by_updates(const std::vector<double>& updates, double lr) {
  SyncRows rows;
  for (size_t row = 0; row < updates.size(); ++row)
    if (updates[row] > 0) rows.order.push_back(int32_t(row));
  std::stable_sort(rows.order.begin(), rows.order.end(),
                   [&](int32_t a, int32_t b) { return updates[size_t(a)] > updates[size_t(b)]; });
  while (rows.saturating < int64_t(rows.order.size()) &&
         lr * updates[size_t(rows.order[size_t(rows.saturating)])] >= 1)
    ++rows.saturating;
  return rows;
}

}  // namespace ember::models
