// The display list both plot formats render: the scatter and the heat-map lay themselves
// out once, in logical pixels, as a list of shapes; svg() writes it as SVG and image()
// draws it at twice the size with the bitmap font. Text is measured with the metrics of
// the format it is laid out for (Helvetica for SVG, the bitmap font for PNG).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <ember/eval/raster.h>

namespace ember::eval {

enum class TextMetrics { kSvg, kBitmap };

inline constexpr int kPixelRatio = 2;  // PNG pixels per logical pixel

struct Shape {
  enum Kind { kLine, kRect, kCircle, kText } kind = kRect;
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // line ends; rect corners; circle centre + radius in x1
  Rgb fill{0, 0, 0};
  double opacity = 1;
  bool stroked = false;  // rect/circle outline, and every line
  Rgb stroke{0, 0, 0};
  double stroke_width = 1;
  // text: baseline at y0; anchor -1 start, 0 middle, 1 end (of x0); vertical reads upwards
  std::string text;
  double size = 12;
  int anchor = -1;
  bool vertical = false, bold = false, halo = false;
  std::string css_class;  // marks points, labels and legend entries in the SVG
  std::string tooltip;    // SVG <title> child
};

struct Drawing {
  double width = 0, height = 0;
  std::string title;   // the SVG document's <title>
  bool crisp = false;  // SVG shape-rendering="crispEdges" (the heat-map's cells)
  std::vector<Shape> shapes;
};

// Text extent in logical pixels for the given metrics.
double text_width(const std::string& text, double size, TextMetrics metrics);
double text_ascent(double size, TextMetrics metrics);
double text_descent(double size, TextMetrics metrics);

Shape line_shape(double x0, double y0, double x1, double y1, Rgb colour, double width);
Shape rect_shape(double x0, double y0, double x1, double y1, Rgb fill);
Shape text_shape(double x, double baseline, const std::string& text, double size, Rgb colour,
                 int anchor = -1);

std::string svg(const Drawing& drawing);
Image image(const Drawing& drawing);

// Writes layout(kSvg) as SVG or layout(kBitmap) as PNG, as the path's extension (.svg or
// .png) says, atomically.
void write_drawing(const std::string& path, const std::function<Drawing(TextMetrics)>& layout);

}  // namespace ember::eval
