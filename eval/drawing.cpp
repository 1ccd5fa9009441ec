#include <ember/eval/drawing.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <ember/eval/bitmap_font.h>
#include <ember/eval/plot.h>
#include <ember/tensor/error.h>

namespace ember::eval {

namespace {

// Helvetica advance widths (1/1000 em) of ASCII 32..126, from its font metrics; Arial and
// Liberation Sans share them.
constexpr short kHelvetica[95] = {
    278,  278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,  //   ../
    556,  556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,  // 0..?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,  // @..O
    667,  778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,  // P.._
    333,  556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,  // `..o
    556,  556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584};      // p..~

// Bitmap font pixel size (in PNG pixels) for a logical font size, matching Helvetica's cap
// height: 11 -> 2, 12 -> 3, 18 -> 4.
int bitmap_scale(double size) { return std::max(1, int(std::lround(kPixelRatio * size / 9))); }

std::string number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", v);
  std::string s = buffer;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

}  // namespace

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // Control characters are not allowed in XML 1.0: show them as '?'.
        out += (static_cast<unsigned char>(c) < 0x20 && c != '\t') ? '?' : c;
    }
  }
  return out;
}

double svg_text_width(const std::string& text, double size) {
  double units = 0;
  for (uint32_t cp : decode_utf8(text)) units += cp >= 32 && cp <= 126 ? kHelvetica[cp - 32] : 600;
  return units * size / 1000;
}

double text_width(const std::string& text, double size, TextMetrics metrics) {
  // 8% spare for viewers that substitute a wider sans-serif (DejaVu Sans) for Helvetica.
  if (metrics == TextMetrics::kSvg) return 1.08 * svg_text_width(text, size);
  return double(Image::text_width(text, bitmap_scale(size))) / kPixelRatio;
}

double text_ascent(double size, TextMetrics metrics) {
  return metrics == TextMetrics::kSvg ? 0.73 * size
                                      : double(kGlyphBaseline * bitmap_scale(size)) / kPixelRatio;
}

double text_descent(double size, TextMetrics metrics) {
  return metrics == TextMetrics::kSvg
             ? 0.22 * size
             : double((kGlyphRows - kGlyphBaseline) * bitmap_scale(size)) / kPixelRatio;
}

Shape line_shape(double x0, double y0, double x1, double y1, Rgb colour, double width) {
  Shape s;
  s.kind = Shape::kLine;
  s.x0 = x0, s.y0 = y0, s.x1 = x1, s.y1 = y1;
  s.stroked = true, s.stroke = colour, s.stroke_width = width;
  return s;
}

Shape rect_shape(double x0, double y0, double x1, double y1, Rgb fill) {
  Shape s;
  s.kind = Shape::kRect;
  s.x0 = x0, s.y0 = y0, s.x1 = x1, s.y1 = y1;
  s.fill = fill;
  return s;
}

Shape text_shape(double x, double baseline, const std::string& text, double size, Rgb colour,
                 int anchor) {
  Shape s;
  s.kind = Shape::kText;
  s.x0 = x, s.y0 = baseline;
  s.text = text, s.size = size, s.fill = colour, s.anchor = anchor;
  return s;
}

std::string svg(const Drawing& d) {
  std::string out;
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + number(d.width) + "\" height=\"" +
         number(d.height) + "\" viewBox=\"0 0 " + number(d.width) + " " + number(d.height) +
         "\" font-family=\"Helvetica, Arial, 'Liberation Sans', sans-serif\"" +
         (d.crisp ? " shape-rendering=\"crispEdges\"" : "") + ">\n";
  if (!d.title.empty()) out += "<title>" + xml_escape(d.title) + "</title>\n";
  for (const Shape& s : d.shapes) {
    std::string attributes;
    if (!s.css_class.empty()) attributes += " class=\"" + xml_escape(s.css_class) + "\"";
    auto paint = [&](bool fill) {
      std::string a;
      a += fill ? " fill=\"" + hex(s.fill) + "\"" : std::string(" fill=\"none\"");
      if (fill && s.opacity < 1) a += " fill-opacity=\"" + number(s.opacity) + "\"";
      if (s.stroked)
        a += " stroke=\"" + hex(s.stroke) + "\" stroke-width=\"" + number(s.stroke_width) + "\"";
      return a;
    };
    std::string tooltip = s.tooltip.empty() ? "" : "<title>" + xml_escape(s.tooltip) + "</title>";
    switch (s.kind) {
      case Shape::kLine:
        out += "<line" + attributes + " x1=\"" + number(s.x0) + "\" y1=\"" + number(s.y0) +
               "\" x2=\"" + number(s.x1) + "\" y2=\"" + number(s.y1) + "\"" + paint(false) + "/>\n";
        break;
      case Shape::kRect: {
        std::string geometry = " x=\"" + number(s.x0) + "\" y=\"" + number(s.y0) + "\" width=\"" +
                               number(s.x1 - s.x0) + "\" height=\"" + number(s.y1 - s.y0) + "\"";
        out += "<rect" + attributes + geometry + paint(s.opacity > 0);
        out += tooltip.empty() ? "/>\n" : ">" + tooltip + "</rect>\n";
        break;
      }
      case Shape::kCircle:
        out += "<circle" + attributes + " cx=\"" + number(s.x0) + "\" cy=\"" + number(s.y0) +
               "\" r=\"" + number(s.x1) + "\"" + paint(true);
        out += tooltip.empty() ? "/>\n" : ">" + tooltip + "</circle>\n";
        break;
      case Shape::kText: {
        out += "<text" + attributes + " x=\"" + number(s.x0) + "\" y=\"" + number(s.y0) +
               "\" font-size=\"" + number(s.size) + "\" fill=\"" + hex(s.fill) + "\"";
        if (s.anchor >= 0)
          out += s.anchor == 0 ? " text-anchor=\"middle\"" : " text-anchor=\"end\"";
        if (s.bold) out += " font-weight=\"bold\"";
        if (s.vertical)
          out += " transform=\"rotate(-90 " + number(s.x0) + " " + number(s.y0) + ")\"";
        if (s.halo)
          out +=
              " stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\" "
              "stroke-opacity=\"0.85\" paint-order=\"stroke\"";
        out += ">" + xml_escape(s.text) + "</text>\n";
        break;
      }
    }
  }
  out += "</svg>\n";
  return out;
}

Image image(const Drawing& d) {
  const double k = kPixelRatio;
  Image img(int(std::ceil(d.width * k)), int(std::ceil(d.height * k)));
  for (const Shape& s : d.shapes) {
    switch (s.kind) {
      case Shape::kLine:
        img.line(s.x0 * k, s.y0 * k, s.x1 * k, s.y1 * k, s.stroke, s.stroke_width * k, s.opacity);
        break;
      case Shape::kRect:
        if (s.opacity > 0) img.fill_rect(s.x0 * k, s.y0 * k, s.x1 * k, s.y1 * k, s.fill, s.opacity);
        if (s.stroked) {
          double w = std::max(1.0, std::round(s.stroke_width * k));
          double x0 = std::round(s.x0 * k - w / 2), y0 = std::round(s.y0 * k - w / 2);
          double x1 = std::round(s.x1 * k + w / 2), y1 = std::round(s.y1 * k + w / 2);
          img.fill_rect(x0, y0, x1, y0 + w, s.stroke);
          img.fill_rect(x0, y1 - w, x1, y1, s.stroke);
          img.fill_rect(x0, y0, x0 + w, y1, s.stroke);
          img.fill_rect(x1 - w, y0, x1, y1, s.stroke);
        }
        break;
      case Shape::kCircle:
        if (s.stroked) img.disc(s.x0 * k, s.y0 * k, (s.x1 + s.stroke_width / 2) * k, s.stroke);
        img.disc(s.x0 * k, s.y0 * k, (s.x1 - (s.stroked ? s.stroke_width / 2 : 0)) * k, s.fill,
                 s.opacity);
        break;
      case Shape::kText: {
        const int scale = bitmap_scale(s.size);
        const double width = Image::text_width(s.text, scale);
        const double ascent = kGlyphBaseline * scale;
        const double shift = s.anchor < 0 ? 0 : s.anchor == 0 ? width / 2 : width;
        // Horizontal: (left, top); vertical: (left, bottom) of the rotated text.
        double x = s.vertical ? s.x0 * k - ascent : s.x0 * k - shift;
        double y = s.vertical ? s.y0 * k + shift : s.y0 * k - ascent;
        if (s.halo)
          for (int dy = -2; dy <= 2; ++dy)
            for (int dx = -2; dx <= 2; ++dx)
              if (dx || dy) img.text(x + dx, y + dy, s.text, {255, 255, 255}, scale, s.vertical);
        img.text(x, y, s.text, s.fill, scale, s.vertical);
        if (s.bold) img.text(x + 1, y, s.text, s.fill, scale, s.vertical);
        break;
      }
    }
  }
  return img;
}

void write_drawing(const std::string& path, const std::function<Drawing(TextMetrics)>& layout) {
  auto ends_with = [&](const char* suffix) {
    size_t k = std::char_traits<char>::length(suffix);
    return path.size() >= k && path.compare(path.size() - k, k, suffix) == 0;
  };
  if (ends_with(".svg"))
    write_file_atomically(path, svg(layout(TextMetrics::kSvg)));
  else if (ends_with(".png"))
    write_file_atomically(path, image(layout(TextMetrics::kBitmap)).png());
  else
    EMBER_FAIL("plot: cannot tell the format of ", path, " (name it .svg or .png)");
}

}  // namespace ember::eval
