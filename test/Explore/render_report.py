#!/usr/bin/env python3
#===- render_report.py - render the explorer's report and check it ------===//
#
# Usage: render_report.py [--chromium PATH] REPORT_DIR|report.html|F.svg...
#
# Renders each SVG figure and the HTML report with headless chromium and
# checks what a reader would see: in every plot area (the `<rect
# class="plot-area">` of each SVG) the data marks (dots, heat-map cells,
# bars) show as colored pixels covering at least half their nominal area,
# and report.html renders to a page that is neither blank nor only text. A directory stands
# for its report.html and figures/*.svg. Prints one line per file; exits 1
# on the first file that fails, 2 when chromium is missing.
#
#===----------------------------------------------------------------------===//

import argparse
import glob
import math
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

from PIL import Image

SVG_NS = "{http://www.w3.org/2000/svg}"
# Data marks are colored (viridis, the categorical palette, the front's red);
# frames, grid lines, text, roofs and grey "no point" cells are not. A pixel
# is colored when its channels spread by more than this.
MIN_SATURATION = 50
# The marks' colored pixels must cover at least this share of their nominal
# area (dots overlap, rings and values are drawn over them).
MIN_COVERAGE = 0.5
MARK_CLASSES = {"point", "layer", "cell", "bar"}


def find_chromium(explicit):
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def screenshot(chromium, path, width, height, png, profile):
    cmd = [chromium, "--headless", "--disable-gpu", "--no-sandbox",
           "--hide-scrollbars", "--force-device-scale-factor=1",
           "--user-data-dir=" + profile, "--screenshot=" + png,
           "--window-size=%d,%d" % (width, height),
           "file://" + os.path.abspath(path)]
    result = subprocess.run(cmd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, timeout=120)
    if result.returncode != 0 or not os.path.exists(png):
        raise RuntimeError("chromium failed on %s (exit code %d)" %
                           (path, result.returncode))
    return Image.open(png).convert("RGB")


def parse_color(text):
    text = text.strip()
    if len(text) == 7 and text.startswith("#"):
        return tuple(int(text[i:i + 2], 16) for i in (1, 3, 5))
    raise ValueError("unsupported plot-area fill %r" % text)


def colored_pixels(image, box):
    return sum(1 for p in image.crop(box).getdata()
               if max(p) - min(p) > MIN_SATURATION)


def get_marks(root, box):
    """The data marks whose centre lies in `box` and their nominal area."""
    x0, y0, x1, y1 = box
    count, area = 0, 0.0
    for element in root.iter():
        classes = (element.get("class") or "").split()
        if not MARK_CLASSES.intersection(classes) or "empty" in classes:
            continue
        if element.tag == SVG_NS + "circle":
            cx, cy = float(element.get("cx")), float(element.get("cy"))
            size = math.pi * float(element.get("r")) ** 2
        elif element.tag == SVG_NS + "rect":
            w, h = float(element.get("width")), float(element.get("height"))
            cx = float(element.get("x")) + w / 2
            cy = float(element.get("y")) + h / 2
            size = w * h
        else:
            continue
        if x0 <= cx <= x1 and y0 <= cy <= y1:
            count += 1
            area += size
    return count, area


def check_svg(chromium, path, workdir, profile):
    root = ET.parse(path).getroot()  # also: the file is well-formed XML
    if root.tag != SVG_NS + "svg":
        raise RuntimeError("%s: the root element is not <svg>" % path)
    width, height = int(root.get("width")), int(root.get("height"))
    areas = [r for r in root.iter(SVG_NS + "rect")
             if "plot-area" in (r.get("class") or "").split()]
    if not areas:
        raise RuntimeError("%s: no <rect class=\"plot-area\">" % path)
    png = os.path.join(workdir, os.path.basename(path) + ".png")
    image = screenshot(chromium, path, width, height, png, profile)
    if image.size != (width, height):
        raise RuntimeError("%s: rendered %dx%d, expected %dx%d" %
                           ((path,) + image.size + (width, height)))
    results = []
    for i, area in enumerate(areas):
        x, y = float(area.get("x")), float(area.get("y"))
        w, h = float(area.get("width")), float(area.get("height"))
        box = (int(x), int(y), int(math.ceil(x + w)), int(math.ceil(y + h)))
        marks, expected = get_marks(root, box)
        if marks == 0:
            raise RuntimeError("%s: plot area %d has no data marks" %
                               (path, i))
        colored = colored_pixels(image, box)
        if colored < MIN_COVERAGE * expected:
            raise RuntimeError(
                "%s: plot area %d: %d marks should color about %d pixels, "
                "%d are" % (path, i, marks, expected, colored))
        results.append("%d marks, %d colored pixels (nominal %d)" %
                       (marks, colored, expected))
    print("%s: %s" % (os.path.basename(path), "; ".join(results)))


def check_html(chromium, path, workdir, profile):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if "<script" in text:
        raise RuntimeError("%s: the report has a script" % path)
    svgs = text.count("<svg ")
    if svgs == 0:
        raise RuntimeError("%s: no inline figure" % path)
    png = os.path.join(workdir, "report.png")
    image = screenshot(chromium, path, 1400, 2000, png, profile)
    pixels = list(image.getdata())
    non_white = sum(1 for p in pixels if min(p) < 235)
    colors = len(set(pixels))
    share = non_white / len(pixels)
    # Text alone darkens a few percent in a handful of greys; the figures
    # bring color.
    if share < 0.05 or colors < 100:
        raise RuntimeError("%s: the page looks blank (%.1f%% inked, %d colors)"
                           % (path, 100 * share, colors))
    print("report.html: rendered, %d inline figures, %.0f%% inked, "
          "%d colors" % (svgs, 100 * share, colors))


def main():
    parser = argparse.ArgumentParser(
        description="render the explorer's report and check its figures")
    parser.add_argument("--chromium")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    chromium = find_chromium(args.chromium)
    if not chromium:
        print("error: chromium not found on PATH", file=sys.stderr)
        return 2
    files = []
    for path in args.paths:
        if os.path.isdir(path):
            files.append(os.path.join(path, "report.html"))
            files += sorted(glob.glob(os.path.join(path, "figures", "*.svg")))
        else:
            files.append(path)
    with tempfile.TemporaryDirectory(prefix="tessera-render-") as workdir:
        profile = os.path.join(workdir, "profile")
        try:
            for path in files:
                if path.endswith(".svg"):
                    check_svg(chromium, path, workdir, profile)
                else:
                    check_html(chromium, path, workdir, profile)
        except (RuntimeError, ValueError, ET.ParseError, OSError) as error:
            print("error: %s" % error, file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
