#include <ember/eval/plot.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <ember/eval/drawing.h>
#include <ember/eval/label_placement.h>
#include <ember/tensor/error.h>

namespace ember::eval {

namespace {

constexpr Rgb kInk{38, 38, 38};
constexpr Rgb kAxis{90, 90, 90};
constexpr Rgb kGrid{232, 232, 232};
constexpr Rgb kLeader{150, 150, 150};
constexpr Rgb kSingle{31, 119, 180};

Rgb darker(Rgb c, double f) { return {uint8_t(c.r * f), uint8_t(c.g * f), uint8_t(c.b * f)}; }

Drawing scatter_drawing(const ScatterPlot& p, TextMetrics metrics) {
  const size_t n = p.x.size();
  EMBER_CHECK(p.y.size() == n, "scatter: ", n, " x values but ", p.y.size(), " y values");
  EMBER_CHECK(p.labels.empty() || p.labels.size() == n, "scatter: ", n, " points but ",
              p.labels.size(), " labels");
  EMBER_CHECK(p.groups.empty() || p.groups.size() == n, "scatter: ", n, " points but ",
              p.groups.size(), " group ids");
  for (int g : p.groups)
    EMBER_CHECK(g >= 0 && size_t(g) < p.group_names.size(), "scatter: group id ", g,
                " out of range for ", p.group_names.size(), " group names");
  for (size_t i = 0; i < n; ++i)
    EMBER_CHECK(std::isfinite(p.x[i]) && std::isfinite(p.y[i]), "scatter: point ", i, " is (",
                p.x[i], ", ", p.y[i], "), not finite",
                p.labels.empty() ? std::string() : ": '" + p.labels[i] + "'");
  const bool grouped = !p.groups.empty();

  const double label_size = n <= 400 ? 12 : 10, tick_size = 11, title_size = 18;
  const double axis_size = 13, legend_size = 12;
  auto width_of = [&](const std::string& s, double size) { return text_width(s, size, metrics); };

  Drawing d;
  d.title = p.title.empty() ? "embeddings" : p.title;
  double base_width = n <= 60 ? 1000 : n <= 250 ? 1200 : 1500;
  double legend_width = 0;
  if (grouped) {
    for (const std::string& name : p.group_names)
      legend_width = std::max(legend_width, width_of(name, legend_size));
    legend_width += 44;
  }
  d.width = p.width > 0 ? p.width : base_width + legend_width;
  d.height = p.height > 0 ? p.height : std::round(base_width * 0.75);

  // Data ranges, padded so that labels of edge points fit inside the frame.
  double x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;
  if (n) {
    x_lo = *std::min_element(p.x.begin(), p.x.end()),
    x_hi = *std::max_element(p.x.begin(), p.x.end());
    y_lo = *std::min_element(p.y.begin(), p.y.end()),
    y_hi = *std::max_element(p.y.begin(), p.y.end());
  }
  auto pad = [](double& lo, double& hi, double fraction) {
    if (hi - lo <= 1e-12 * std::max(1.0, std::abs(lo))) lo -= 1, hi += 1;
    double m = (hi - lo) * fraction;
    lo -= m, hi += m;
  };
  pad(x_lo, x_hi, 0.06);
  pad(y_lo, y_hi, 0.06);
  std::vector<double> x_ticks = nice_ticks(x_lo, x_hi), y_ticks = nice_ticks(y_lo, y_hi);
  const double x_step = x_ticks.size() > 1 ? x_ticks[1] - x_ticks[0] : 1;
  const double y_step = y_ticks.size() > 1 ? y_ticks[1] - y_ticks[0] : 1;

  double y_tick_width = 0;
  for (double t : y_ticks)
    y_tick_width = std::max(y_tick_width, width_of(format_tick(t, y_step), tick_size));
  const double left = 24 + (p.y_label.empty() ? 0 : axis_size + 10) + y_tick_width;
  const double top = p.title.empty() ? 20 : title_size + 34;
  const double right = d.width - 24 - (grouped ? legend_width + 12 : 0);
  const double bottom = d.height - 30 - (p.x_label.empty() ? 0 : axis_size + 10);
  EMBER_CHECK(right - left > 50 && bottom - top > 50, "scatter: ", d.width, " x ", d.height,
              " pixels leave no room for the plot");
  auto px = [&](double v) { return left + (v - x_lo) / (x_hi - x_lo) * (right - left); };
  auto py = [&](double v) { return bottom - (v - y_lo) / (y_hi - y_lo) * (bottom - top); };

  // Grid, frame, ticks.
  d.shapes.push_back(rect_shape(0, 0, d.width, d.height, {255, 255, 255}));
  for (double t : x_ticks) {
    d.shapes.push_back(line_shape(px(t), top, px(t), bottom, kGrid, 1));
    d.shapes.push_back(line_shape(px(t), bottom, px(t), bottom + 5, kAxis, 1));
    d.shapes.push_back(text_shape(px(t), bottom + 8 + text_ascent(tick_size, metrics),
                                  format_tick(t, x_step), tick_size, kAxis, 0));
  }
  for (double t : y_ticks) {
    d.shapes.push_back(line_shape(left, py(t), right, py(t), kGrid, 1));
    d.shapes.push_back(line_shape(left - 5, py(t), left, py(t), kAxis, 1));
    d.shapes.push_back(text_shape(left - 8, py(t) + text_ascent(tick_size, metrics) / 2,
                                  format_tick(t, y_step), tick_size, kAxis, 1));
  }
  Shape frame = rect_shape(left, top, right, bottom, {255, 255, 255});
  frame.opacity = 0, frame.stroked = true, frame.stroke = kAxis, frame.stroke_width = 1;
  d.shapes.push_back(frame);
  if (!p.title.empty()) {
    Shape t = text_shape((left + right) / 2, top - 16, p.title, title_size, kInk, 0);
    t.bold = true;
    d.shapes.push_back(t);
  }
  if (!p.x_label.empty())
    d.shapes.push_back(
        text_shape((left + right) / 2, d.height - 14, p.x_label, axis_size, kInk, 0));
  if (!p.y_label.empty()) {
    Shape t = text_shape(14 + text_ascent(axis_size, metrics), (top + bottom) / 2, p.y_label,
                         axis_size, kInk, 0);
    t.vertical = true;
    d.shapes.push_back(t);
  }

  // Points and their labels.
  const double radius = n <= 400 ? 4 : n <= 2000 ? 3 : 2;
  std::vector<double> xs(n), ys(n);
  for (size_t i = 0; i < n; ++i) xs[i] = px(p.x[i]), ys[i] = py(p.y[i]);
  std::vector<LabelPlacement> placements;
  const double ascent = text_ascent(label_size, metrics);
  const bool drop_crowded =
      p.label_mode == LabelMode::kFit || (p.label_mode == LabelMode::kAuto && n > kAllLabelsLimit);
  if (!p.labels.empty()) {
    std::vector<double> widths(n), heights(n, ascent + text_descent(label_size, metrics));
    for (size_t i = 0; i < n; ++i) widths[i] = width_of(p.labels[i], label_size);
    placements = place_labels(xs, ys, widths, heights, radius,
                              {left + 2, top + 2, right - 2, bottom - 2}, drop_crowded);
  }
  for (size_t i = 0; i < placements.size(); ++i) {
    if (!placements[i].leader || !placements[i].shown) continue;
    double bx, by;
    nearest_on_box(placements[i].box, xs[i], ys[i], bx, by);
    double length = std::hypot(bx - xs[i], by - ys[i]);
    if (length <= radius) continue;
    double ux = (bx - xs[i]) / length, uy = (by - ys[i]) / length;
    d.shapes.push_back(
        line_shape(xs[i] + ux * (radius + 1), ys[i] + uy * (radius + 1), bx, by, kLeader, 0.8));
  }
  for (size_t i = 0; i < n; ++i) {
    Shape c;
    c.kind = Shape::kCircle;
    c.x0 = xs[i], c.y0 = ys[i], c.x1 = radius;
    c.fill = grouped ? group_colour(p.groups[i]) : kSingle;
    c.opacity = 0.9;
    c.stroked = true, c.stroke = {255, 255, 255}, c.stroke_width = 0.8;
    c.css_class = "point";
    if (!p.labels.empty()) c.tooltip = p.labels[i];
    d.shapes.push_back(c);
  }
  for (size_t i = 0; i < placements.size(); ++i) {
    if (!placements[i].shown) continue;
    Rgb colour = grouped ? darker(group_colour(p.groups[i]), 0.62) : kInk;
    // Anchor the text at the side facing the point, so that a font wider or narrower than
    // the metrics the layout assumed still leaves the point uncovered.
    const Box& b = placements[i].box;
    int anchor = b.x1 <= xs[i] + 0.5 ? 1 : b.x0 >= xs[i] - 0.5 ? -1 : 0;
    double tx = anchor > 0 ? b.x1 : anchor < 0 ? b.x0 : (b.x0 + b.x1) / 2;
    Shape t = text_shape(tx, b.y0 + ascent, p.labels[i], label_size, colour, anchor);
    t.halo = true;
    t.css_class = "label";
    d.shapes.push_back(t);
  }

  // Legend, right of the frame.
  if (grouped) {
    const double lx = right + 12, row = legend_size + 8;
    Shape box = rect_shape(lx, top, lx + legend_width,
                           top + 10 + row * double(p.group_names.size()), {255, 255, 255});
    box.stroked = true, box.stroke = {200, 200, 200};
    d.shapes.push_back(box);
    for (size_t g = 0; g < p.group_names.size(); ++g) {
      double cy = top + 5 + row * (double(g) + 0.5);
      Shape c;
      c.kind = Shape::kCircle;
      c.x0 = lx + 14, c.y0 = cy, c.x1 = 5;
      c.fill = group_colour(int(g));
      c.css_class = "legend-mark";
      d.shapes.push_back(c);
      Shape t = text_shape(lx + 26, cy + text_ascent(legend_size, metrics) / 2, p.group_names[g],
                           legend_size, kInk);
      t.css_class = "legend";
      d.shapes.push_back(t);
    }
  }
  return d;
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) return {lo};
  double raw = (hi - lo) / std::max(1, target);
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double f = raw / magnitude;
  double step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * magnitude;
  std::vector<double> ticks;
  for (double k = std::ceil(lo / step); k * step <= hi + 1e-9 * step; k += 1)
    ticks.push_back(k * step);
  return ticks;
}

std::string format_tick(double value, double step) {
  int decimals = std::max(0, int(-std::floor(std::log10(step) + 1e-9)));
  if (std::abs(value) < step * 1e-6) value = 0;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

Rgb group_colour(int g) {
  static const Rgb kTableau[20] = {
      {31, 119, 180},  {255, 127, 14},  {44, 160, 44},   {214, 39, 40},   {148, 103, 189},
      {140, 86, 75},   {227, 119, 194}, {127, 127, 127}, {188, 189, 34},  {23, 190, 207},
      {174, 199, 232}, {255, 187, 120}, {152, 223, 138}, {255, 152, 150}, {197, 176, 213},
      {196, 156, 148}, {247, 182, 210}, {199, 199, 199}, {219, 219, 141}, {158, 218, 229}};
  return kTableau[((g % 20) + 20) % 20];
}

std::string scatter_svg(const ScatterPlot& plot) {
  return svg(scatter_drawing(plot, TextMetrics::kSvg));
}

Image scatter_image(const ScatterPlot& plot) {
  return image(scatter_drawing(plot, TextMetrics::kBitmap));
}

void write_scatter(const ScatterPlot& plot, const std::string& path) {
  write_drawing(path, [&](TextMetrics metrics) { return scatter_drawing(plot, metrics); });
}

}  // namespace ember::eval
