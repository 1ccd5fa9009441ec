// Plots of embeddings, as SVG (vector, for people) or PNG (drawn by eval/raster.h):
// - a labelled 2-D scatter (the seeds' visualize_embeddings_2d): labels beside their points
//   without overlap where it can be avoided (eval/label_placement.h), optional colour
//   groups with a legend, title, axes with ticks;
// - a heat-map of an embedding matrix (the seeds' imshow of the weights): rows x dims in a
//   diverging colour map centred on zero, with a colour bar.
// write_* pick the format from the file name (.svg or .png) and write atomically.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ember/eval/raster.h>

namespace ember::eval {

// kAll: every point gets its label, overlapping where it must; kFit: only labels that fit
// without overlap, earlier points first (the rest show as SVG tooltips); kAuto: kAll up to
// kAllLabelsLimit points, kFit above.
enum class LabelMode { kAuto, kAll, kFit };
inline constexpr size_t kAllLabelsLimit = 500;

struct ScatterPlot {
  std::string title;
  std::string x_label, y_label;
  std::vector<float> x, y;          // [N] coordinates, any units
  std::vector<std::string> labels;  // [N], or empty for unlabelled points
  std::vector<int> groups;          // [N] ids into group_names, or empty for one colour
  std::vector<std::string> group_names;
  LabelMode label_mode = LabelMode::kAuto;
  int width = 0, height = 0;  // pixels; 0 = chosen from N
};

struct Heatmap {
  std::string title;
  std::string x_label = "embedding dimension", y_label = "word";
  std::vector<float> values;  // [rows, cols] row-major
  int64_t rows = 0, cols = 0;
  std::vector<std::string> row_labels;  // [rows], or empty
};

std::string scatter_svg(const ScatterPlot& plot);
Image scatter_image(const ScatterPlot& plot);  // at twice the SVG's pixel size
void write_scatter(const ScatterPlot& plot, const std::string& path);

std::string heatmap_svg(const Heatmap& map);
Image heatmap_image(const Heatmap& map);
void write_heatmap(const Heatmap& map, const std::string& path);

// Helpers shared by the plots.
std::string xml_escape(const std::string& text);
// Width in pixels of text set in Helvetica/Arial at font size `size` (their metrics).
double svg_text_width(const std::string& text, double size);
// About `target` round tick values (1, 2 or 5 times a power of ten) covering [lo, hi].
std::vector<double> nice_ticks(double lo, double hi, int target = 6);
std::string format_tick(double value, double step);
// Qualitative colour of group g (Tableau 10, then lighter variants).
Rgb group_colour(int g);

}  // namespace ember::eval
