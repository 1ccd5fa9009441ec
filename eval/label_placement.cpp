#include <ember/eval/label_placement.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include <ember/tensor/error.h>

namespace ember::eval {

namespace {

double overlap_area(const Box& a, const Box& b) {
  double w = std::min(a.x1, b.x1) - std::max(a.x0, b.x0);
  double h = std::min(a.y1, b.y1) - std::max(a.y0, b.y0);
  return w > 0 && h > 0 ? w * h : 0;
}

bool inside(const Box& box, const Box& frame) {
  return box.x0 >= frame.x0 && box.y0 >= frame.y0 && box.x1 <= frame.x1 && box.y1 <= frame.y1;
}

// Boxes bucketed in a uniform grid of square cells, so a query looks at its neighbours only.
class BoxGrid {
 public:
  BoxGrid(const Box& frame, double cell) : frame_(frame), cell_(cell) {
    columns_ = std::max(1, int(std::ceil((frame.x1 - frame.x0) / cell)));
    rows_ = std::max(1, int(std::ceil((frame.y1 - frame.y0) / cell)));
    cells_.resize(size_t(columns_) * rows_);
  }

  int add(const Box& box) {
    int id = int(boxes_.size());
    boxes_.push_back(box);
    seen_.push_back(0);
    for_cells(box, [&](std::vector<int>& cell) { cell.push_back(id); });
    return id;
  }

  // Sum of the overlap areas of `box` with the stored boxes other than `skip`.
  double overlap(const Box& box, int skip) {
    ++stamp_;
    double total = 0;
    for_cells(box, [&](std::vector<int>& cell) {
      for (int id : cell) {
        if (id == skip || seen_[id] == stamp_) continue;
        seen_[id] = stamp_;
        total += overlap_area(box, boxes_[id]);
      }
    });
    return total;
  }

 private:
  template <typename F>
  void for_cells(const Box& box, F&& f) {
    int c0 = std::clamp(int(std::floor((box.x0 - frame_.x0) / cell_)), 0, columns_ - 1);
    int c1 = std::clamp(int(std::floor((box.x1 - frame_.x0) / cell_)), 0, columns_ - 1);
    int r0 = std::clamp(int(std::floor((box.y0 - frame_.y0) / cell_)), 0, rows_ - 1);
    int r1 = std::clamp(int(std::floor((box.y1 - frame_.y0) / cell_)), 0, rows_ - 1);
    for (int r = r0; r <= r1; ++r)
      for (int c = c0; c <= c1; ++c) f(cells_[size_t(r) * columns_ + c]);
  }

  Box frame_;
  double cell_;
  int columns_, rows_;
  std::vector<std::vector<int>> cells_;
  std::vector<Box> boxes_;
  std::vector<unsigned> seen_;
  unsigned stamp_ = 0;
};

// The eight directions in order of preference: right, left, the four diagonals, above, below.
constexpr int kDirections[8][2] = {{1, 0},   {-1, 0}, {1, -1}, {1, 1},
                                   {-1, -1}, {-1, 1}, {0, -1}, {0, 1}};
constexpr int kLevels = 4;  // level 0 beside the point, 1..3 farther out with a leader

Box candidate(double px, double py, double w, double h, int direction, double offset) {
  const int dx = kDirections[direction][0], dy = kDirections[direction][1];
  const double k = dx != 0 && dy != 0 ? 0.75 : 1.0;  // diagonals sit a little closer
  const double ax = px + dx * offset * k, ay = py + dy * offset * k;
  Box b;
  b.x0 = dx > 0 ? ax : dx < 0 ? ax - w : ax - w / 2;
  b.y0 = dy > 0 ? ay : dy < 0 ? ay - h : ay - h / 2;
  b.x1 = b.x0 + w, b.y1 = b.y0 + h;
  return b;
}

// A label's box grown by the clearance kept around it: a letter's width apart side by side
// (so two words never read as one), a pixel above and below.
Box padded(const Box& b) { return {b.x0 - 3, b.y0 - 1, b.x1 + 3, b.y1 + 1}; }

}  // namespace

void nearest_on_box(const Box& box, double x, double y, double& bx, double& by) {
  bx = std::clamp(x, box.x0, box.x1);
  by = std::clamp(y, box.y0, box.y1);
}

std::vector<LabelPlacement> place_labels(const std::vector<double>& x, const std::vector<double>& y,
                                         const std::vector<double>& widths,
                                         const std::vector<double>& heights, double marker_radius,
                                         const Box& frame, bool drop_crowded) {
  const size_t n = x.size();
  EMBER_CHECK(y.size() == n && widths.size() == n && heights.size() == n,
              "place_labels: sizes differ: x ", x.size(), ", y ", y.size(), ", widths ",
              widths.size(), ", heights ", heights.size());
  double typical_height = 12;
  if (n) typical_height = *std::max_element(heights.begin(), heights.end());
  BoxGrid grid(frame, std::max(16.0, 2 * typical_height));
  const double m = marker_radius + 1;
  for (size_t i = 0; i < n; ++i) grid.add({x[i] - m, y[i] - m, x[i] + m, y[i] + m});  // id i

  // Crowded points first: count the markers near each point.
  std::vector<double> crowding(n);
  const double reach = 3 * typical_height;
  for (size_t i = 0; i < n; ++i)
    crowding[i] = grid.overlap({x[i] - reach, y[i] - reach, x[i] + reach, y[i] + reach}, int(i));
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  if (!drop_crowded)
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return crowding[a] > crowding[b]; });

  std::vector<LabelPlacement> placements(n);
  const double gap = 2;
  for (size_t i : order) {
    const double w = widths[i], h = heights[i];
    bool placed = false;
    for (int level = 0; level < kLevels && !placed; ++level) {
      double offset = marker_radius + gap + level * h;
      for (int dir = 0; dir < 8 && !placed; ++dir) {
        Box b = candidate(x[i], y[i], w, h, dir, offset);
        if (!inside(b, frame) || grid.overlap(padded(b), int(i)) > 0) continue;
        placements[i] = {b, level > 0, false};
        placed = true;
      }
    }
    if (!placed && drop_crowded) {
      placements[i].shown = false;
      continue;
    }
    if (!placed) {  // the least-covered place beside the point, kept inside the frame
      double best = -1;
      for (int dir = 0; dir < 8; ++dir) {
        Box b = candidate(x[i], y[i], w, h, dir, marker_radius + gap);
        double shift_x = std::max(frame.x0 - b.x0, 0.0) + std::min(frame.x1 - b.x1, 0.0);
        double shift_y = std::max(frame.y0 - b.y0, 0.0) + std::min(frame.y1 - b.y1, 0.0);
        b = {b.x0 + shift_x, b.y0 + shift_y, b.x1 + shift_x, b.y1 + shift_y};
        double cover = grid.overlap(b, int(i));
        if (best < 0 || cover < best) {
          best = cover;
          placements[i] = {b, false, true};
        }
      }
    }
    grid.add(placements[i].box);
  }
  return placements;
}

}  // namespace ember::eval
