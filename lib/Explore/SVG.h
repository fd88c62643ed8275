//===- SVG.h - SVG plotting helpers of the explorer's report ----*- C++ -*-===//
//
// Part of Tessera. The few pieces of a plotting library the co-design report
// needs (lib/Explore/Report.cpp): XML escaping, fixed number formatting,
// linear and logarithmic axes with "nice" ticks, a perceptual color map, and
// a writer that draws axes, color bars and legends into an SVG string. Every
// output is a function of its inputs only (no locale, no time), so the same
// results draw byte-identical figures.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_EXPLORE_SVG_H
#define TESSERA_LIB_EXPLORE_SVG_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>
#include <utility>
#include <vector>

namespace tessera::explore::svg {

/// `text` with &, <, >, " and ' replaced by entities (valid in XML text and
/// attribute values, and in HTML).
std::string escape(llvm::StringRef text);

/// `value` with `significant` significant digits, without exponent for
/// magnitudes in [1e-3, 1e6) and with trailing zeros removed ("0.25",
/// "1200", "3.5e+07"). Deterministic.
std::string formatNumber(double value, int significant = 3);

/// A coordinate with two decimals ("12.35"), the SVG attribute format.
std::string formatCoord(double value);

/// One axis: maps data values in [lo, hi] onto pixels [pixLo, pixHi].
struct Scale {
  double lo = 0, hi = 1;
  bool log = false;
  double pixLo = 0, pixHi = 1;

  /// A scale that spans `values` with a margin, logarithmic when
  /// `allowLog` and the positive values span more than 10x. Empty or
  /// degenerate inputs give a small range around the value.
  static Scale fit(llvm::ArrayRef<double> values, bool allowLog, double pixLo,
                   double pixHi);

  double map(double value) const;
  /// Ticks inside [lo, hi]: 1-2-5 steps (linear) or decades, with the 2 and
  /// 5 multiples when fewer than three decades are visible (log).
  std::vector<double> ticks() const;
  /// The label of `tick` among `ticks()`: enough digits for the step.
  std::string tickLabel(double tick) const;
};

/// A viridis color for `t` in [0, 1] (clamped), "#rrggbb".
std::string viridis(double t);
/// Whether text on `viridis(t)` should be white (dark background).
bool isDark(double t);
/// The i-th color of a 10-color categorical palette.
std::string categorical(unsigned i);

/// An SVG document built element by element.
class Writer {
public:
  /// Starts a figure of `width` x `height` pixels on a white background.
  Writer(unsigned width, unsigned height);

  /// The raw markup `text` (already escaped).
  void raw(llvm::StringRef text);
  /// `<text>` with `content` escaped. `anchor`: start, middle, end;
  /// `rotate`: degrees around (x, y).
  void text(double x, double y, llvm::StringRef content,
            llvm::StringRef anchor = "start", unsigned size = 12,
            llvm::StringRef cls = "", double rotate = 0,
            llvm::StringRef fill = "#222");
  void line(double x1, double y1, double x2, double y2, llvm::StringRef stroke,
            double width = 1, llvm::StringRef cls = "",
            llvm::StringRef dash = "");
  void rect(double x, double y, double w, double h, llvm::StringRef fill,
            llvm::StringRef cls = "", llvm::StringRef stroke = "",
            llvm::StringRef extra = "");
  /// A polyline through `points` (no fill).
  void polyline(llvm::ArrayRef<std::pair<double, double>> points,
                llvm::StringRef stroke, double width, llvm::StringRef cls,
                llvm::StringRef extra = "");

  /// The plot area, `<rect class="plot-area" .../>` (the render test finds
  /// the plots by this class), filled with the plot background.
  void plotArea(double x, double y, double w, double h);
  /// The plot area of `x` and `y` and the two axes with their ticks, grid
  /// lines and labels.
  void axes(const Scale &x, const Scale &y, llvm::StringRef xLabel,
            llvm::StringRef yLabel);
  /// The title line above the plot area.
  void title(llvm::StringRef text);
  /// A vertical color bar at (x, y) of height `h` for values in [lo, hi]
  /// (logarithmic when `log`), titled `label`.
  void colorBar(double x, double y, double h, double lo, double hi, bool log,
                llvm::StringRef label);
  /// A categorical legend at (x, y): one colored dot and name per entry.
  void legend(double x, double y,
              llvm::ArrayRef<std::pair<std::string, std::string>> entries);

  /// The finished document (`<svg ...>...</svg>` and a newline).
  std::string finish();

private:
  std::string out;
};

} // namespace tessera::explore::svg

#endif // TESSERA_LIB_EXPLORE_SVG_H
