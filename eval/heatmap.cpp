// The heat-map of an embedding matrix: one cell per (word, dimension), coloured by a
// diverging map (ColorBrewer RdBu: blue negative, white zero, red positive) over a range
// symmetric about zero, with a colour bar beside it. A value that is not finite (nan, inf)
// is drawn in a grey no value of the map takes, and is left out of the range.
#include <algorithm>
#include <cmath>

#include <ember/eval/drawing.h>
#include <ember/eval/plot.h>
#include <ember/tensor/error.h>

namespace ember::eval {

namespace {

constexpr Rgb kInk{38, 38, 38};
constexpr Rgb kAxis{90, 90, 90};
constexpr Rgb kMissing{150, 150, 150};  // a nan or inf cell

// t in [0, 1]: 0 = most negative, 0.5 = zero, 1 = most positive; nan is kMissing.
Rgb diverging(double t) {
  if (std::isnan(t)) return kMissing;  // std::clamp passes nan, and int(nan) is undefined
  static const Rgb kRdBu[11] = {{5, 48, 97},     {33, 102, 172},  {67, 147, 195},  {146, 197, 222},
                                {209, 229, 240}, {247, 247, 247}, {253, 219, 199}, {244, 165, 130},
                                {214, 96, 77},   {178, 24, 43},   {103, 0, 31}};
  t = std::clamp(t, 0.0, 1.0) * 10;
  int k = std::min(int(t), 9);
  double f = t - k;
  auto mix = [&](uint8_t a, uint8_t b) { return uint8_t(std::lround(a + (b - a) * f)); };
  return {mix(kRdBu[k].r, kRdBu[k + 1].r), mix(kRdBu[k].g, kRdBu[k + 1].g),
          mix(kRdBu[k].b, kRdBu[k + 1].b)};
}

// The colour range: the 99.5th percentile of |value|, so that one outlier does not wash
// out the rest (cells beyond it take the end colours).
double colour_range(const std::vector<float>& values) {
  std::vector<float> magnitudes;
  magnitudes.reserve(values.size());
  for (float v : values)
    if (std::isfinite(v)) magnitudes.push_back(std::abs(v));
  if (magnitudes.empty()) return 1;
  size_t k = std::min(magnitudes.size() - 1, size_t(0.995 * double(magnitudes.size())));
  std::nth_element(magnitudes.begin(), magnitudes.begin() + k, magnitudes.end());
  double range = magnitudes[k];
  if (range <= 0) range = *std::max_element(magnitudes.begin(), magnitudes.end());
  return range > 0 ? range : 1;
}

Drawing heatmap_drawing(const Heatmap& m, TextMetrics metrics) {
  EMBER_CHECK(m.rows > 0 && m.cols > 0 && int64_t(m.values.size()) == m.rows * m.cols,
              "heatmap: ", m.values.size(), " values for [", m.rows, ", ", m.cols, "]");
  EMBER_CHECK(m.row_labels.empty() || int64_t(m.row_labels.size()) == m.rows, "heatmap: ", m.rows,
              " rows but ", m.row_labels.size(), " row labels");
  const double tick_size = 11, axis_size = 13, title_size = 18;
  const bool labelled = !m.row_labels.empty();
  const double cell_w = std::clamp(960.0 / double(m.cols), 1.0, 24.0);
  double cell_h = std::clamp(760.0 / double(m.rows), 1.0, 22.0);
  if (labelled && cell_h < 11 && m.rows <= 150) cell_h = 11;
  const double label_size = labelled ? std::clamp(cell_h - 1, 9.0, 12.0) : 0;
  const int64_t label_stride = labelled ? int64_t(std::ceil((label_size + 1) / cell_h)) : 1;

  double label_width = 0;
  for (int64_t r = 0; r < m.rows && labelled; r += label_stride)
    label_width = std::max(label_width, text_width(m.row_labels[r], label_size, metrics));
  const double left = 20 + axis_size + 12 + (labelled ? label_width + 8 : 24);
  const double top = m.title.empty() ? 20 : title_size + 34;
  const double right = left + cell_w * double(m.cols), bottom = top + cell_h * double(m.rows);
  const double range = colour_range(m.values);
  const std::vector<double> bar_ticks = nice_ticks(-range, range, 6);
  const double bar_step = bar_ticks.size() > 1 ? bar_ticks[1] - bar_ticks[0] : range;
  double bar_label_width = 0;
  for (double t : bar_ticks)
    bar_label_width =
        std::max(bar_label_width, text_width(format_tick(t, bar_step), tick_size, metrics));

  Drawing d;
  d.title = m.title.empty() ? "embedding heat-map" : m.title;
  d.crisp = true;
  const double bar_x = right + 28, bar_w = 16;
  d.width = std::ceil(bar_x + bar_w + 8 + bar_label_width + 24);
  const double x_label_baseline = bottom + 8 + tick_size + 22;
  d.height = std::ceil(x_label_baseline + 12);
  d.shapes.push_back(rect_shape(0, 0, d.width, d.height, {255, 255, 255}));
  for (int64_t r = 0; r < m.rows; ++r)
    for (int64_t c = 0; c < m.cols; ++c) {
      double v = m.values[r * m.cols + c];
      double x0 = left + cell_w * double(c), y0 = top + cell_h * double(r);
      d.shapes.push_back(
          rect_shape(x0, y0, x0 + cell_w, y0 + cell_h,
                     std::isfinite(v) ? diverging(0.5 + v / (2 * range)) : kMissing));
    }
  Shape frame = rect_shape(left, top, right, bottom, {255, 255, 255});
  frame.opacity = 0, frame.stroked = true, frame.stroke = kAxis, frame.stroke_width = 1;
  d.shapes.push_back(frame);

  const double ascent = text_ascent(tick_size, metrics);
  for (double t : nice_ticks(0, double(m.cols - 1), 8)) {
    double x = left + cell_w * (t + 0.5);
    d.shapes.push_back(line_shape(x, bottom, x, bottom + 5, kAxis, 1));
    d.shapes.push_back(text_shape(x, bottom + 8 + ascent, format_tick(t, 1), tick_size, kAxis, 0));
  }
  if (labelled) {
    const double label_ascent = text_ascent(label_size, metrics);
    for (int64_t r = 0; r < m.rows; r += label_stride) {
      double y = top + cell_h * (double(r) + 0.5) + label_ascent / 2;
      Shape t = text_shape(left - 6, y, m.row_labels[r], label_size, kInk, 1);
      t.css_class = "row-label";
      d.shapes.push_back(t);
    }
  } else {
    for (double t : nice_ticks(0, double(m.rows - 1), 8)) {
      double y = top + cell_h * (t + 0.5);
      d.shapes.push_back(line_shape(left - 5, y, left, y, kAxis, 1));
      d.shapes.push_back(
          text_shape(left - 8, y + ascent / 2, format_tick(t, 1), tick_size, kAxis, 1));
    }
  }
  if (!m.title.empty()) {
    Shape t = text_shape((left + right) / 2, top - 16, m.title, title_size, kInk, 0);
    t.bold = true;
    d.shapes.push_back(t);
  }
  d.shapes.push_back(
      text_shape((left + right) / 2, x_label_baseline, m.x_label, axis_size, kInk, 0));
  Shape y_label = text_shape(14 + text_ascent(axis_size, metrics), (top + bottom) / 2, m.y_label,
                             axis_size, kInk, 0);
  y_label.vertical = true;
  d.shapes.push_back(y_label);

  // Colour bar: +range at the top, -range at the bottom.
  const double bar_top = top, bar_h = std::min(bottom - top, 420.0);
  const int steps = 128;
  for (int s = 0; s < steps; ++s) {
    double y0 = bar_top + bar_h * s / steps, y1 = bar_top + bar_h * (s + 1) / steps;
    d.shapes.push_back(rect_shape(bar_x, y0, bar_x + bar_w, y1, diverging(1 - (s + 0.5) / steps)));
  }
  Shape bar_frame = rect_shape(bar_x, bar_top, bar_x + bar_w, bar_top + bar_h, {255, 255, 255});
  bar_frame.opacity = 0, bar_frame.stroked = true, bar_frame.stroke = kAxis;
  d.shapes.push_back(bar_frame);
  for (double t : bar_ticks) {
    double y = bar_top + bar_h * (0.5 - t / (2 * range));
    d.shapes.push_back(line_shape(bar_x + bar_w, y, bar_x + bar_w + 4, y, kAxis, 1));
    d.shapes.push_back(
        text_shape(bar_x + bar_w + 7, y + ascent / 2, format_tick(t, bar_step), tick_size, kAxis));
  }
  return d;
}

}  // namespace

std::string heatmap_svg(const Heatmap& map) { return svg(heatmap_drawing(map, TextMetrics::kSvg)); }

Image heatmap_image(const Heatmap& map) {
  return image(heatmap_drawing(map, TextMetrics::kBitmap));
}

void write_heatmap(const Heatmap& map, const std::string& path) {
  write_drawing(path, [&](TextMetrics metrics) { return heatmap_drawing(map, metrics); });
}

}  // namespace ember::eval
