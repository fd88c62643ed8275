#!/usr/bin/env python3
# ===- make_test_images.py - small images for make_calibration_set.py --------===#
#
# Writes DIR/{a,b,c,d}.png (random-colour 64 x 48 pictures) and
# DIR/text/lines.png (dark text-like bars on a narrow light page, 10
# lines, so that every line leaves right padding at 48 x 192).
#
# ===-------------------------------------------------------------------------===#
import os
import sys

import numpy as np
from PIL import Image


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(0)
    for name in "abcd":
        pixels = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(os.path.join(out, name + ".png"))
    os.makedirs(os.path.join(out, "text"), exist_ok=True)
    page = np.full((300, 60, 3), 235, np.uint8)
    for line in range(10):
        y = 10 + line * 28
        for x in range(4, 50, 12):
            if rng.uniform() < 0.8:
                page[y:y + 14, x:x + 8] = 20
    Image.fromarray(page).save(os.path.join(out, "text", "lines.png"))


if __name__ == "__main__":
    main()
