// Plots: the SVG is well-formed XML (a small checking parser below) with exactly one label
// per point and special characters escaped; labels do not overlap when there is room;
// the PNG has a valid signature, chunk CRCs and an IDAT that inflates to the image size.
#include <zlib.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <ember/eval/label_placement.h>
#include <ember/eval/plot.h>

#include "testing.h"

namespace {

using namespace ember::eval;

struct Element {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::string text;  // unescaped character data directly inside
};

// Unescapes the five XML entities and numeric references; false on a bare '&'.
bool unescape(const std::string& s, std::string& out) {
  out.clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    size_t end = s.find(';', i);
    if (end == std::string::npos) return false;
    std::string name = s.substr(i + 1, end - i - 1);
    static const std::map<std::string, char> kEntities = {
        {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
    auto it = kEntities.find(name);
    if (it != kEntities.end())
      out += it->second;
    else if (name.size() > 1 && name[0] == '#')
      out += '?';
    else
      return false;
    i = end;
  }
  return true;
}

// A strict little XML reader: declaration, comments, nested elements with quoted
// attributes, text. Returns the elements in document order, or the first error.
bool parse_xml(const std::string& xml, std::vector<Element>& elements, std::string& error) {
  std::vector<size_t> open;
  size_t i = 0;
  bool root_seen = false;
  auto fail = [&](const std::string& what) {
    error = what + " at byte " + std::to_string(i);
    return false;
  };
  while (i < xml.size()) {
    if (xml[i] != '<') {
      size_t end = xml.find('<', i);
      std::string raw = xml.substr(i, end - i), text;
      if (!unescape(raw, text)) return fail("bad entity in text");
      if (raw.find('>') != std::string::npos) return fail("raw '>' in text");
      if (open.empty()) {
        if (raw.find_first_not_of(" \n\r\t") != std::string::npos) return fail("text outside root");
      } else {
        elements[open.back()].text += text;
      }
      i = end == std::string::npos ? xml.size() : end;
      continue;
    }
    if (xml.compare(i, 5, "<?xml") == 0) {
      size_t end = xml.find("?>", i);
      if (end == std::string::npos) return fail("unterminated declaration");
      i = end + 2;
      continue;
    }
    if (xml.compare(i, 4, "<!--") == 0) {
      size_t end = xml.find("-->", i);
      if (end == std::string::npos) return fail("unterminated comment");
      i = end + 3;
      continue;
    }
    if (xml.compare(i, 2, "</") == 0) {
      size_t end = xml.find('>', i);
      if (end == std::string::npos) return fail("unterminated end tag");
      std::string name = xml.substr(i + 2, end - i - 2);
      if (open.empty() || elements[open.back()].name != name)
        return fail("mismatched </" + name + ">");
      open.pop_back();
      i = end + 1;
      continue;
    }
    ++i;  // start tag
    Element e;
    while (i < xml.size() &&
           (std::isalnum(static_cast<unsigned char>(xml[i])) || xml[i] == '-' || xml[i] == ':'))
      e.name += xml[i++];
    if (e.name.empty()) return fail("empty element name");
    if (open.empty() && root_seen) return fail("second root element");
    root_seen = true;
    bool self_closing = false;
    while (true) {
      while (i < xml.size() && std::isspace(static_cast<unsigned char>(xml[i]))) ++i;
      if (i >= xml.size()) return fail("unterminated start tag");
      if (xml[i] == '>') {
        ++i;
        break;
      }
      if (xml.compare(i, 2, "/>") == 0) {
        i += 2;
        self_closing = true;
        break;
      }
      std::string name;
      while (i < xml.size() && xml[i] != '=' && !std::isspace(static_cast<unsigned char>(xml[i])))
        name += xml[i++];
      if (i >= xml.size() || xml[i] != '=') return fail("attribute without value");
      ++i;
      char quote = xml[i];
      if (quote != '"' && quote != '\'') return fail("unquoted attribute");
      size_t end = xml.find(quote, i + 1);
      if (end == std::string::npos) return fail("unterminated attribute");
      std::string raw = xml.substr(i + 1, end - i - 1), value;
      if (raw.find('<') != std::string::npos || !unescape(raw, value))
        return fail("bad attribute value");
      if (e.attributes.count(name)) return fail("duplicate attribute " + name);
      e.attributes[name] = value;
      i = end + 1;
    }
    elements.push_back(e);
    if (!self_closing) open.push_back(elements.size() - 1);
  }
  if (!open.empty()) return fail("unclosed <" + elements[open.back()].name + ">");
  if (!root_seen) return fail("no root element");
  return true;
}

ScatterPlot sample_plot(int n) {
  ScatterPlot p;
  p.title = "Words & <things> \"quoted\"";
  p.x_label = "PC1";
  p.y_label = "PC2";
  for (int i = 0; i < n; ++i) {
    p.x.push_back(float(std::cos(i * 2.4) * (1 + i % 7)));
    p.y.push_back(float(std::sin(i * 2.4) * (1 + i % 5)));
    p.labels.push_back("w" + std::to_string(i));
  }
  p.labels[0] = "AT&T";
  p.labels[1] = "<tag>";
  p.labels[2] = "say \"hi\"";
  p.labels[3] = "it's";
  p.labels[4] = "caf\xc3\xa9";
  return p;
}

TEST(Plot, ScatterSvgIsValidXmlWithOneLabelPerPoint) {
  for (bool grouped : {false, true}) {
    ScatterPlot p = sample_plot(60);
    if (grouped) {
      p.group_names = {"capital-common-countries", "family", "other"};
      for (int i = 0; i < 60; ++i) p.groups.push_back(i % 3);
    }
    std::string svg = scatter_svg(p);
    std::vector<Element> elements;
    std::string error;
    ASSERT_TRUE(parse_xml(svg, elements, error)) << error;
    EXPECT_EQ(elements[0].name, "svg");
    std::map<std::string, int> label_count;
    int points = 0, legend = 0;
    for (const Element& e : elements) {
      auto c = e.attributes.find("class");
      if (c == e.attributes.end()) continue;
      if (c->second == "label") ++label_count[e.text];
      if (c->second == "point") ++points;
      if (c->second == "legend") ++legend;
    }
    EXPECT_EQ(points, 60);
    EXPECT_EQ(label_count.size(), 60u);
    for (const std::string& word : p.labels) EXPECT_EQ(label_count[word], 1) << word;
    EXPECT_EQ(legend, grouped ? 3 : 0);
    EXPECT_NE(svg.find("AT&amp;T"), std::string::npos);
    EXPECT_NE(svg.find("&lt;tag&gt;"), std::string::npos);
    EXPECT_NE(svg.find("say &quot;hi&quot;"), std::string::npos);
  }
}

TEST(Plot, LabelsDoNotOverlapWhenThereIsRoom) {
  std::vector<double> x, y, w, h;
  for (int i = 0; i < 40; ++i) {  // a loose grid, plus a tight clump of five
    x.push_back(60 + (i % 8) * 110), y.push_back(60 + (i / 8) * 90);
    w.push_back(40 + (i % 3) * 15), h.push_back(12);
  }
  for (int i = 0; i < 5; ++i)
    x.push_back(500 + i * 3), y.push_back(520 + i * 2), w.push_back(50), h.push_back(12);
  Box frame{0, 0, 1000, 700};
  std::vector<LabelPlacement> placed = place_labels(x, y, w, h, 4, frame);
  ASSERT_EQ(placed.size(), x.size());
  for (size_t i = 0; i < placed.size(); ++i) {
    const Box& a = placed[i].box;
    EXPECT_FALSE(placed[i].overlaps) << i;
    EXPECT_NEAR(a.x1 - a.x0, w[i], 1e-9);
    EXPECT_GE(a.x0, frame.x0);
    EXPECT_LE(a.x1, frame.x1);
    for (size_t j = 0; j < i; ++j) {
      const Box& b = placed[j].box;
      bool apart = a.x1 <= b.x0 || b.x1 <= a.x0 || a.y1 <= b.y0 || b.y1 <= a.y0;
      EXPECT_TRUE(apart) << "labels " << i << " and " << j << " overlap";
    }
    // The label is near its point: beside it, or joined to it by a leader line.
    double bx, by;
    nearest_on_box(a, x[i], y[i], bx, by);
    EXPECT_LT(std::hypot(bx - x[i], by - y[i]), placed[i].leader ? 60 : 10);
  }
}

TEST(Plot, FitModeDropsCrowdedLabelsKeepingEarlyOnes) {
  ScatterPlot p = sample_plot(800);  // dense: far more labels than room
  p.label_mode = LabelMode::kFit;
  std::vector<Element> elements;
  std::string error;
  ASSERT_TRUE(parse_xml(scatter_svg(p), elements, error)) << error;
  int labels = 0, tooltips = 0;
  bool first_shown = false;
  for (const Element& e : elements) {
    if (e.name == "title") ++tooltips;
    if (e.attributes.count("class") && e.attributes.at("class") == "label") {
      ++labels;
      first_shown = first_shown || e.text == p.labels[0];
    }
  }
  EXPECT_TRUE(first_shown);
  EXPECT_GT(labels, 20);
  EXPECT_LT(labels, 800);
  EXPECT_EQ(tooltips, 800 + 1);  // every point keeps its word as a tooltip (+ the document's)
}

uint32_t read_u32(const std::string& s, size_t at) {
  return uint32_t(uint8_t(s[at])) << 24 | uint32_t(uint8_t(s[at + 1])) << 16 |
         uint32_t(uint8_t(s[at + 2])) << 8 | uint32_t(uint8_t(s[at + 3]));
}

// Checks the signature and every chunk's CRC; inflates IDAT; returns the raw scanlines.
std::string decode_png(const std::string& png, uint32_t& width, uint32_t& height) {
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  std::string idat;
  std::vector<std::string> types;
  for (size_t at = 8; at + 12 <= png.size();) {
    uint32_t length = read_u32(png, at);
    std::string type = png.substr(at + 4, 4);
    std::string body = png.substr(at + 4, 4 + length);
    uint32_t crc = read_u32(png, at + 8 + length);
    EXPECT_EQ(crc,
              uint32_t(crc32(0, reinterpret_cast<const Bytef*>(body.data()), uInt(body.size()))))
        << "bad CRC in " << type;
    if (type == "IHDR") width = read_u32(png, at + 8), height = read_u32(png, at + 12);
    if (type == "IDAT") idat += png.substr(at + 8, length);
    types.push_back(type);
    at += 12 + length;
  }
  EXPECT_EQ(types.front(), "IHDR");
  EXPECT_EQ(types.back(), "IEND");
  std::string raw(size_t(width) * 3 * height + height, '\0');
  uLongf raw_size = uLongf(raw.size());
  EXPECT_EQ(uncompress(reinterpret_cast<Bytef*>(&raw[0]), &raw_size,
                       reinterpret_cast<const Bytef*>(idat.data()), uLong(idat.size())),
            Z_OK);
  EXPECT_EQ(raw_size, raw.size());
  return raw;
}

TEST(Plot, ScatterPngDecodes) {
  ScatterPlot p = sample_plot(30);
  Image img = scatter_image(p);
  uint32_t width = 0, height = 0;
  std::string raw = decode_png(img.png(), width, height);
  EXPECT_EQ(width, uint32_t(img.width()));
  EXPECT_EQ(height, uint32_t(img.height()));
  EXPECT_EQ(uint8_t(raw[1]), 255);  // row 0 (filter byte, then RGB): white background
  size_t dark = 0;                  // some pixels are drawn: points, text, frame
  for (uint8_t v : img.pixels()) dark += v < 100;
  EXPECT_GT(dark, 1000u);
}

TEST(Plot, HeatmapSvgAndPng) {
  Heatmap m;
  m.title = "Embedding weights";
  m.rows = 12, m.cols = 20;
  for (int64_t i = 0; i < m.rows * m.cols; ++i)
    m.values.push_back(float(std::sin(0.37 * double(i))));
  for (int64_t r = 0; r < m.rows; ++r)
    m.row_labels.push_back(r == 3 ? "a<b&c" : "row" + std::to_string(r));
  std::vector<Element> elements;
  std::string error;
  ASSERT_TRUE(parse_xml(heatmap_svg(m), elements, error)) << error;
  int rects = 0, labels = 0;
  for (const Element& e : elements) {
    rects += e.name == "rect";
    if (e.attributes.count("class") && e.attributes.at("class") == "row-label") {
      ++labels;
      if (labels == 4) {
        EXPECT_EQ(e.text, "a<b&c");
      }
    }
  }
  EXPECT_GE(rects, 12 * 20);
  EXPECT_EQ(labels, 12);
  Image img = heatmap_image(m);
  uint32_t width = 0, height = 0;
  decode_png(img.png(), width, height);
  EXPECT_EQ(width, uint32_t(img.width()));
}

// A value that is not finite is drawn in the missing-value grey and left out of the colour
// range; the other cells keep their colours.
TEST(Plot, HeatmapDrawsNonFiniteValuesGrey) {
  Heatmap m;
  m.rows = 2, m.cols = 3;
  m.values = {0.5f, std::nanf(""), -0.5f, INFINITY, 0.25f, -INFINITY};
  m.row_labels = {"a", "b"};
  const std::string svg = heatmap_svg(m);
  std::vector<Element> elements;
  std::string error;
  ASSERT_TRUE(parse_xml(svg, elements, error)) << error;
  int grey = 0;
  for (const Element& e : elements)
    grey += e.name == "rect" && e.attributes.count("fill") && e.attributes.at("fill") == "#969696";
  EXPECT_EQ(grey, 3);
  Image img = heatmap_image(m);
  EXPECT_GT(img.width(), 0);
  m.values = {0.5f, 0.0f, -0.5f, 0.0f, 0.25f, 0.0f};
  const std::string finite = heatmap_svg(m);
  EXPECT_EQ(finite.find("#969696"), std::string::npos);
  // The colour range ignores the non-finite values: the bar's ticks are the same.
  const auto ticks = [](const std::string& text) { return text.substr(text.rfind("<rect")); };
  EXPECT_EQ(ticks(svg), ticks(finite));
}

TEST(Plot, WritesFilesAtomicallyByExtension) {
  std::string dir = ::testing::TempDir();
  ScatterPlot p = sample_plot(10);
  write_scatter(p, dir + "/ember_plot.svg");
  write_scatter(p, dir + "/ember_plot.png");
  std::ifstream svg(dir + "/ember_plot.svg"), png(dir + "/ember_plot.png", std::ios::binary);
  std::stringstream svg_text, png_bytes;
  svg_text << svg.rdbuf();
  png_bytes << png.rdbuf();
  EXPECT_EQ(svg_text.str(), scatter_svg(p));
  EXPECT_EQ(png_bytes.str().substr(1, 3), "PNG");
  EXPECT_FALSE(std::ifstream(dir + "/ember_plot.svg.tmp").good());
  EXPECT_EMBER_ERROR(write_scatter(p, dir + "/ember_plot.jpg"), "name it .svg or .png");
  std::remove((dir + "/ember_plot.svg").c_str());
  std::remove((dir + "/ember_plot.png").c_str());
}

TEST(Plot, NiceTicksAndErrors) {
  std::vector<double> t = nice_ticks(-3.2, 7.9, 6);
  EXPECT_EQ(t.front(), -2);
  EXPECT_EQ(t.back(), 6);
  EXPECT_EQ(t[1] - t[0], 2);
  EXPECT_EQ(format_tick(0.30000000000000004, 0.1), "0.3");
  EXPECT_EQ(format_tick(-1e-17, 0.5), "0.0");
  ScatterPlot p = sample_plot(5);
  p.labels.pop_back();
  EXPECT_EMBER_ERROR(scatter_svg(p), "5 points but 4 labels");
  p = sample_plot(5);
  p.y[2] = std::nanf("");
  EXPECT_EMBER_ERROR(scatter_svg(p), "point 2 is");
}

}  // namespace
