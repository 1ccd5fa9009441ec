#include <ember/eval/raster.h>

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include <ember/eval/bitmap_font.h>
#include <ember/nn/serialize.h>
#include <ember/tensor/error.h>

namespace ember::eval {

std::string hex(Rgb c) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "#%02x%02x%02x", c.r, c.g, c.b);
  return buffer;
}

Image::Image(int width, int height, Rgb background)
    : width_(width), height_(height), pixels_(size_t(width) * height * 3) {
  EMBER_CHECK(width > 0 && height > 0, "Image: size ", width, " x ", height, " is empty");
  for (size_t i = 0; i < pixels_.size(); i += 3) {
    pixels_[i] = background.r, pixels_[i + 1] = background.g, pixels_[i + 2] = background.b;
  }
}

void Image::blend(int x, int y, Rgb c, double alpha) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_ || alpha <= 0) return;
  alpha = std::min(alpha, 1.0);
  uint8_t* p = &pixels_[(size_t(y) * width_ + x) * 3];
  const uint8_t source[3] = {c.r, c.g, c.b};
  for (int k = 0; k < 3; ++k) p[k] = uint8_t(std::lround(p[k] + (source[k] - p[k]) * alpha));
}

void Image::fill_rect(double x0, double y0, double x1, double y1, Rgb c, double alpha) {
  int xa = int(std::ceil(x0 - 0.5)), xb = int(std::ceil(x1 - 0.5));
  int ya = int(std::ceil(y0 - 0.5)), yb = int(std::ceil(y1 - 0.5));
  xa = std::max(xa, 0), ya = std::max(ya, 0);
  xb = std::min(xb, width_), yb = std::min(yb, height_);
  for (int y = ya; y < yb; ++y)
    for (int x = xa; x < xb; ++x) blend(x, y, c, alpha);
}

void Image::stroke_rect(double x0, double y0, double x1, double y1, Rgb c, double alpha) {
  fill_rect(x0, y0, x1, y0 + 1, c, alpha);
  fill_rect(x0, y1 - 1, x1, y1, c, alpha);
  fill_rect(x0, y0 + 1, x0 + 1, y1 - 1, c, alpha);
  fill_rect(x1 - 1, y0 + 1, x1, y1 - 1, c, alpha);
}

void Image::line(double x0, double y0, double x1, double y1, Rgb c, double width, double alpha) {
  const double reach = width / 2 + 1;
  int xa = std::max(0, int(std::floor(std::min(x0, x1) - reach)));
  int xb = std::min(width_ - 1, int(std::ceil(std::max(x0, x1) + reach)));
  int ya = std::max(0, int(std::floor(std::min(y0, y1) - reach)));
  int yb = std::min(height_ - 1, int(std::ceil(std::max(y0, y1) + reach)));
  const double dx = x1 - x0, dy = y1 - y0, length2 = dx * dx + dy * dy;
  for (int y = ya; y <= yb; ++y)
    for (int x = xa; x <= xb; ++x) {
      double px = x + 0.5 - x0, py = y + 0.5 - y0;  // pixel centre, relative to the start
      double t = length2 > 0 ? std::clamp((px * dx + py * dy) / length2, 0.0, 1.0) : 0.0;
      double distance = std::hypot(px - t * dx, py - t * dy);
      double coverage = std::clamp(width / 2 + 0.5 - distance, 0.0, 1.0);
      if (coverage > 0) blend(x, y, c, coverage * alpha);
    }
}

void Image::disc(double cx, double cy, double radius, Rgb c, double alpha) {
  int xa = int(std::floor(cx - radius - 1)), xb = int(std::ceil(cx + radius + 1));
  int ya = int(std::floor(cy - radius - 1)), yb = int(std::ceil(cy + radius + 1));
  for (int y = ya; y <= yb; ++y)
    for (int x = xa; x <= xb; ++x) {
      double distance = std::hypot(x + 0.5 - cx, y + 0.5 - cy);
      double coverage = std::clamp(radius + 0.5 - distance, 0.0, 1.0);
      if (coverage > 0) blend(x, y, c, coverage * alpha);
    }
}

void Image::text(double x, double top, const std::string& s, Rgb c, int scale, bool vertical) {
  int pen = 0;  // along the text, in pixels
  const int x0 = int(std::lround(x)), y0 = int(std::lround(top));
  for (uint32_t code_point : decode_utf8(s)) {
    const uint8_t* rows = glyph(code_point);
    for (int r = 0; r < kGlyphRows; ++r)
      for (int col = 0; col < kGlyphColumns; ++col) {
        if (!(rows[r] >> col & 1)) continue;
        for (int sy = 0; sy < scale; ++sy)
          for (int sx = 0; sx < scale; ++sx) {
            int u = pen + col * scale + sx, v = r * scale + sy;  // along, down the glyph
            if (vertical)
              blend(x0 + v, y0 - u - 1, c, 1);
            else
              blend(x0 + u, y0 + v, c, 1);
          }
      }
    pen += kGlyphAdvance * scale;
  }
}

int Image::text_width(const std::string& s, int scale) {
  int n = int(decode_utf8(s).size());
  return n == 0 ? 0 : (n * kGlyphAdvance - 1) * scale;
}

int Image::text_height(int scale) { return kGlyphRows * scale; }

namespace {

void put_u32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(char((v >> shift) & 0xFF));
}

// length, type, data, CRC-32 of type + data
void put_chunk(std::string& out, const char* type, const std::string& data) {
  put_u32(out, uint32_t(data.size()));
  std::string body = std::string(type, 4) + data;
  out += body;
  put_u32(out, uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(body.data()), uInt(body.size()))));
}

}  // namespace

std::string Image::png() const {
  // Each row: filter byte 2 ("Up": difference from the row above), which turns the flat
  // backgrounds of a plot into runs of zeros that deflate packs tightly.
  const size_t stride = size_t(width_) * 3;
  std::string raw;
  raw.reserve((stride + 1) * height_);
  for (int y = 0; y < height_; ++y) {
    raw.push_back(char(2));
    const uint8_t* row = pixels_.data() + size_t(y) * stride;
    const uint8_t* above = y == 0 ? nullptr : row - stride;
    for (size_t i = 0; i < stride; ++i) raw.push_back(char(above ? row[i] - above[i] : row[i]));
  }
  uLongf packed_size = compressBound(uLong(raw.size()));
  std::string packed(packed_size, '\0');
  int status = compress2(reinterpret_cast<Bytef*>(&packed[0]), &packed_size,
                         reinterpret_cast<const Bytef*>(raw.data()), uLong(raw.size()), 9);
  EMBER_CHECK(status == Z_OK, "png: zlib compress2 failed with status ", status);
  packed.resize(packed_size);

  std::string out = "\x89PNG\r\n\x1a\n";
  std::string header;
  put_u32(header, uint32_t(width_));
  put_u32(header, uint32_t(height_));
  header += std::string("\x08\x02\x00\x00\x00", 5);  // 8 bits, RGB, deflate, filters, no interlace
  put_chunk(out, "IHDR", header);
  put_chunk(out, "IDAT", packed);
  put_chunk(out, "IEND", "");
  return out;
}

void write_file_atomically(const std::string& path, const std::string& bytes) {
  nn::write_text_atomic(path, bytes);
}

}  // namespace ember::eval
