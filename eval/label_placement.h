// Greedy placement of point labels (the cartographers' 8-position model): each label tries
// the eight places around its point, then the same eight farther out with a leader line
// back to the point, and takes the first that overlaps no placed label, no marker and
// stays inside the frame. Crowded points choose first. A label with no free place takes
// the near position with the least overlap, so every point keeps exactly one label; or,
// with drop_crowded, no label at all, the points choosing in their given order (so the
// first points, e.g. the most frequent words, keep theirs).
#pragma once

#include <vector>

namespace ember::eval {

struct Box {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // x0 <= x1, y0 <= y1 (pixels, y down)
};

struct LabelPlacement {
  Box box;                // where the label's text goes
  bool leader = false;    // drawn away from the point: join them with a line
  bool overlaps = false;  // no free place was found
  bool shown = true;      // false: dropped (drop_crowded and no free place)
};

// points: [N] centres (x, y); widths/heights: [N] label sizes; marker_radius: the points'
// drawn radius; frame: labels stay inside it.
std::vector<LabelPlacement> place_labels(const std::vector<double>& x, const std::vector<double>& y,
                                         const std::vector<double>& widths,
                                         const std::vector<double>& heights, double marker_radius,
                                         const Box& frame, bool drop_crowded = false);

// The point on the box's edge nearest (x, y) (for the leader line's end).
void nearest_on_box(const Box& box, double x, double y, double& bx, double& by);

}  // namespace ember::eval
