//===- SVG.cpp - SVG plotting helpers of the explorer's report ------------===//
//
// Part of Tessera. See SVG.h.
//
//===----------------------------------------------------------------------===//

#include "SVG.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

using namespace tessera::explore;
using namespace tessera::explore::svg;

/// The plot background; the render test counts pixels that differ from it.
static constexpr llvm::StringLiteral plotBackground = "#fbfbfb";

std::string svg::escape(llvm::StringRef text) {
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
      out += "&#39;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

/// Removes trailing zeros of a fixed-point number ("1.500" -> "1.5",
/// "2.000" -> "2").
static std::string trimZeros(std::string text) {
  if (text.find('.') == std::string::npos)
    return text;
  while (!text.empty() && text.back() == '0')
    text.pop_back();
  if (!text.empty() && text.back() == '.')
    text.pop_back();
  if (text == "-0")
    return "0";
  return text;
}

std::string svg::formatNumber(double value, int significant) {
  if (!std::isfinite(value))
    return std::isnan(value) ? "nan" : (value > 0 ? "inf" : "-inf");
  if (value == 0)
    return "0";
  char buffer[64];
  double magnitude = std::fabs(value);
  if (magnitude >= 1e-3 && magnitude < 1e6) {
    int exponent = static_cast<int>(std::floor(std::log10(magnitude)));
    int decimals = std::max(0, significant - 1 - exponent);
    std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
    return trimZeros(buffer);
  }
  // "3.50e+07" -> "3.5e7".
  std::snprintf(buffer, sizeof(buffer), "%.*e", std::max(0, significant - 1),
                value);
  std::string text = buffer;
  size_t e = text.find('e');
  std::string mantissa = trimZeros(text.substr(0, e));
  std::string exponent = text.substr(e + 1);
  bool negative = exponent[0] == '-';
  exponent = exponent.substr(1);
  while (exponent.size() > 1 && exponent[0] == '0')
    exponent.erase(0, 1);
  return mantissa + "e" + (negative ? "-" : "") + exponent;
}

std::string svg::formatCoord(double value) {
  if (std::fabs(value) < 0.005)
    return "0";
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.2f", value);
  return trimZeros(buffer);
}

//===----------------------------------------------------------------------===//
// Scales
//===----------------------------------------------------------------------===//

Scale Scale::fit(llvm::ArrayRef<double> values, bool allowLog, double pixLo,
                 double pixHi) {
  Scale scale;
  scale.pixLo = pixLo;
  scale.pixHi = pixHi;
  double lo = INFINITY, hi = -INFINITY, positiveLo = INFINITY;
  for (double v : values) {
    if (!std::isfinite(v))
      continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    if (v > 0)
      positiveLo = std::min(positiveLo, v);
  }
  if (lo > hi) {
    scale.lo = 0;
    scale.hi = 1;
    return scale;
  }
  if (allowLog && lo > 0 && hi / positiveLo > 10) {
    double pad = std::pow(hi / lo, 0.05);
    scale.log = true;
    scale.lo = lo / pad;
    scale.hi = hi * pad;
    return scale;
  }
  if (hi - lo <= std::fabs(hi) * 1e-9) {
    double pad = hi == 0 ? 1 : std::fabs(hi) * 0.1;
    lo -= pad;
    hi += pad;
  }
  double pad = (hi - lo) * 0.05;
  bool nonNegative = lo >= 0;
  scale.lo = lo - pad;
  scale.hi = hi + pad;
  if (nonNegative && scale.lo < 0)
    scale.lo = 0;
  return scale;
}

double Scale::map(double value) const {
  double t;
  if (log)
    t = (std::log10(std::max(value, 1e-300)) - std::log10(lo)) /
        (std::log10(hi) - std::log10(lo));
  else
    t = (value - lo) / (hi - lo);
  return pixLo + t * (pixHi - pixLo);
}

/// The 1-2-5 step giving about five ticks over `range`.
static double getLinearStep(double range) {
  double rough = range / 5;
  double magnitude = std::pow(10, std::floor(std::log10(rough)));
  double normalized = rough / magnitude;
  double step = normalized < 1.5   ? 1
                : normalized < 3.5 ? 2
                : normalized < 7.5 ? 5
                                   : 10;
  return step * magnitude;
}

std::vector<double> Scale::ticks() const {
  std::vector<double> result;
  if (!(hi > lo))
    return result;
  if (!log) {
    double step = getLinearStep(hi - lo);
    for (double k = std::ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9;
         k += 1)
      result.push_back(k * step == 0 ? 0 : k * step);
    return result;
  }
  int first = static_cast<int>(std::floor(std::log10(lo)));
  int last = static_cast<int>(std::ceil(std::log10(hi)));
  bool fine = hi / lo < 1000;
  for (int k = first; k <= last; ++k) {
    double decade = std::pow(10, k);
    for (double m : {1.0, 2.0, 5.0}) {
      if (m != 1 && !fine)
        continue;
      double tick = m * decade;
      if (tick >= lo * (1 - 1e-9) && tick <= hi * (1 + 1e-9))
        result.push_back(tick);
    }
  }
  return result;
}

std::string Scale::tickLabel(double tick) const {
  if (log || std::fabs(tick) >= 1e6)
    return formatNumber(tick, 3);
  double step = getLinearStep(hi - lo);
  int decimals =
      std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, tick);
  std::string text = buffer;
  return text == "-0" ? "0" : text;
}

//===----------------------------------------------------------------------===//
// Colors
//===----------------------------------------------------------------------===//

std::string svg::viridis(double t) {
  // Viridis (matplotlib) sampled at ninths; linear in between.
  static const unsigned char anchors[9][3] = {
      {68, 1, 84},    {71, 44, 122},  {59, 82, 139},
      {44, 114, 142}, {33, 145, 140}, {40, 174, 128},
      {94, 201, 98},  {173, 220, 48}, {253, 231, 37}};
  if (!std::isfinite(t))
    t = 0;
  t = std::clamp(t, 0.0, 1.0) * 8;
  unsigned i = std::min(7u, static_cast<unsigned>(t));
  double f = t - i;
  char buffer[8];
  int rgb[3];
  for (unsigned c = 0; c < 3; ++c)
    rgb[c] = static_cast<int>(
        std::lround(anchors[i][c] + f * (anchors[i + 1][c] - anchors[i][c])));
  std::snprintf(buffer, sizeof(buffer), "#%02x%02x%02x", rgb[0], rgb[1],
                rgb[2]);
  return buffer;
}

bool svg::isDark(double t) { return !(t > 0.55); }

std::string svg::categorical(unsigned i) {
  static const char *palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                  "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                  "#bcbd22", "#17becf"};
  return palette[i % 10];
}

//===----------------------------------------------------------------------===//
// The writer
//===----------------------------------------------------------------------===//

Writer::Writer(unsigned width, unsigned height) {
  std::string w = std::to_string(width), h = std::to_string(height);
  out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w +
        "\" height=\"" + h + "\" viewBox=\"0 0 " + w + " " + h +
        "\" font-family=\"DejaVu Sans, Liberation Sans, Arial, "
        "sans-serif\">\n";
  out += "<rect width=\"" + w + "\" height=\"" + h + "\" fill=\"#ffffff\"/>\n";
}

void Writer::raw(llvm::StringRef text) { out += text.str(); }

void Writer::text(double x, double y, llvm::StringRef content,
                  llvm::StringRef anchor, unsigned size, llvm::StringRef cls,
                  double rotate, llvm::StringRef fill) {
  out += "<text";
  if (!cls.empty())
    out += " class=\"" + cls.str() + "\"";
  out += " x=\"" + formatCoord(x) + "\" y=\"" + formatCoord(y) + "\"";
  if (anchor != "start")
    out += " text-anchor=\"" + anchor.str() + "\"";
  out +=
      " font-size=\"" + std::to_string(size) + "\" fill=\"" + fill.str() + "\"";
  if (rotate != 0)
    out += " transform=\"rotate(" + formatCoord(rotate) + " " + formatCoord(x) +
           " " + formatCoord(y) + ")\"";
  out += ">" + escape(content) + "</text>\n";
}

void Writer::line(double x1, double y1, double x2, double y2,
                  llvm::StringRef stroke, double width, llvm::StringRef cls,
                  llvm::StringRef dash) {
  out += "<line";
  if (!cls.empty())
    out += " class=\"" + cls.str() + "\"";
  out += " x1=\"" + formatCoord(x1) + "\" y1=\"" + formatCoord(y1) +
         "\" x2=\"" + formatCoord(x2) + "\" y2=\"" + formatCoord(y2) +
         "\" stroke=\"" + stroke.str() + "\" stroke-width=\"" +
         formatCoord(width) + "\"";
  if (!dash.empty())
    out += " stroke-dasharray=\"" + dash.str() + "\"";
  out += "/>\n";
}

void Writer::rect(double x, double y, double w, double h, llvm::StringRef fill,
                  llvm::StringRef cls, llvm::StringRef stroke,
                  llvm::StringRef extra) {
  out += "<rect";
  if (!cls.empty())
    out += " class=\"" + cls.str() + "\"";
  out += " x=\"" + formatCoord(x) + "\" y=\"" + formatCoord(y) + "\" width=\"" +
         formatCoord(w) + "\" height=\"" + formatCoord(h) + "\" fill=\"" +
         fill.str() + "\"";
  if (!stroke.empty())
    out += " stroke=\"" + stroke.str() + "\"";
  if (!extra.empty())
    out += " " + extra.str();
  out += "/>\n";
}

void Writer::polyline(llvm::ArrayRef<std::pair<double, double>> points,
                      llvm::StringRef stroke, double width, llvm::StringRef cls,
                      llvm::StringRef extra) {
  out += "<polyline class=\"" + cls.str() + "\" points=\"";
  for (auto [i, point] : llvm::enumerate(points)) {
    if (i)
      out += " ";
    out += formatCoord(point.first) + "," + formatCoord(point.second);
  }
  out += "\" fill=\"none\" stroke=\"" + stroke.str() + "\" stroke-width=\"" +
         formatCoord(width) + "\"";
  if (!extra.empty())
    out += " " + extra.str();
  out += "/>\n";
}

void Writer::plotArea(double x, double y, double w, double h) {
  rect(x, y, w, h, plotBackground, "plot-area", "#888888");
}

void Writer::axes(const Scale &x, const Scale &y, llvm::StringRef xLabel,
                  llvm::StringRef yLabel) {
  double left = std::min(x.pixLo, x.pixHi), right = std::max(x.pixLo, x.pixHi);
  double top = std::min(y.pixLo, y.pixHi), bottom = std::max(y.pixLo, y.pixHi);
  plotArea(left, top, right - left, bottom - top);
  for (double tick : x.ticks()) {
    double px = x.map(tick);
    line(px, top, px, bottom, "#e4e4e4", 1, "grid");
    line(px, bottom, px, bottom + 5, "#444444");
    text(px, bottom + 18, x.tickLabel(tick), "middle", 11, "tick");
  }
  for (double tick : y.ticks()) {
    double py = y.map(tick);
    line(left, py, right, py, "#e4e4e4", 1, "grid");
    line(left - 5, py, left, py, "#444444");
    text(left - 8, py + 4, y.tickLabel(tick), "end", 11, "tick");
  }
  // The frame again, above the grid lines.
  rect(left, top, right - left, bottom - top, "none", "frame", "#888888");
  text((left + right) / 2, bottom + 38, xLabel, "middle", 12, "axis-label");
  text(left - 58, (top + bottom) / 2, yLabel, "middle", 12, "axis-label", -90);
}

void Writer::title(llvm::StringRef content) {
  text(12, 22, content, "start", 14, "title", 0, "#111");
}

void Writer::colorBar(double x, double y, double h, double lo, double hi,
                      bool log, llvm::StringRef label) {
  constexpr unsigned steps = 48;
  double stepHeight = h / steps;
  for (unsigned i = 0; i < steps; ++i) {
    double t = (i + 0.5) / steps;
    rect(x, y + h - (i + 1) * stepHeight, 14, stepHeight + 0.3, viridis(t),
         "colorbar-step");
  }
  rect(x, y, 14, h, "none", "colorbar", "#666666");
  text(x, y - 10, label, "start", 11, "colorbar-label");
  if (!(hi > lo)) {
    text(x + 18, y + h / 2 + 4, formatNumber(lo, 3), "start", 10, "tick");
    return;
  }
  Scale scale;
  scale.lo = lo;
  scale.hi = hi;
  scale.log = log;
  scale.pixLo = y + h;
  scale.pixHi = y;
  std::vector<double> ticks = scale.ticks();
  // Too many decades for the bar's height: keep every other one.
  while (ticks.size() > 7) {
    std::vector<double> thinned;
    for (size_t i = 0; i < ticks.size(); i += 2)
      thinned.push_back(ticks[i]);
    ticks = std::move(thinned);
  }
  for (double tick : ticks) {
    double py = scale.map(tick);
    line(x + 14, py, x + 18, py, "#444444");
    text(x + 20, py + 4, scale.tickLabel(tick), "start", 10, "tick");
  }
}

void Writer::legend(
    double x, double y,
    llvm::ArrayRef<std::pair<std::string, std::string>> entries) {
  for (auto [i, entry] : llvm::enumerate(entries)) {
    double py = y + i * 16;
    out += "<circle class=\"legend-mark\" cx=\"" + formatCoord(x + 4) +
           "\" cy=\"" + formatCoord(py - 4) + "\" r=\"4\" fill=\"" +
           entry.first + "\"/>\n";
    text(x + 12, py, entry.second, "start", 11, "legend");
  }
}

std::string Writer::finish() { return out + "</svg>\n"; }
