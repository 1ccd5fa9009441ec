// An RGB canvas for the PNG plots: anti-aliased discs and lines, rectangles, and text in the
// bitmap font (eval/bitmap_font.h), encoded as PNG (zlib deflate, CRC-32 per chunk).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ember::eval {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};

// "#rrggbb" for SVG.
std::string hex(Rgb c);

class Image {
 public:
  Image(int width, int height, Rgb background = {255, 255, 255});

  int width() const { return width_; }
  int height() const { return height_; }
  const std::vector<uint8_t>& pixels() const { return pixels_; }  // [H, W, 3]

  // Mixes c into pixel (x, y) with weight alpha in [0, 1]; outside the canvas is ignored.
  void blend(int x, int y, Rgb c, double alpha);
  // Pixels whose centres lie in [x0, x1) x [y0, y1).
  void fill_rect(double x0, double y0, double x1, double y1, Rgb c, double alpha = 1);
  void stroke_rect(double x0, double y0, double x1, double y1, Rgb c, double alpha = 1);
  // Segment of the given width, edges anti-aliased by the pixel's distance to it.
  void line(double x0, double y0, double x1, double y1, Rgb c, double width = 1, double alpha = 1);
  void disc(double cx, double cy, double radius, Rgb c, double alpha = 1);

  // Text in the bitmap font, each font pixel drawn as scale x scale; (x, top) is the
  // top-left of the glyph cell. vertical: rotated 90 degrees counter-clockwise, (x, top)
  // then being the bottom-left where the text starts.
  void text(double x, double top, const std::string& s, Rgb c, int scale = 1,
            bool vertical = false);
  static int text_width(const std::string& s, int scale = 1);
  static int text_height(int scale = 1);  // the whole cell, descenders included

  std::string png() const;

 private:
  int width_, height_;
  std::vector<uint8_t> pixels_;
};

// Writes bytes to path durably and atomically (nn::write_text_atomic).
void write_file_atomically(const std::string& path, const std::string& bytes);

}  // namespace ember::eval
