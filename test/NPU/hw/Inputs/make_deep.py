#!/usr/bin/env python3
# ===- make_deep.py - deeply nested hardware descriptions ---------------=== #
#
# Usage: make_deep.py DIR. Writes descriptions nested 30,000 levels deep (flow
# brackets, compact sequences), one nested 40 levels by indentation, and
# deep.txt, a 30,000-level value for --set. Each must be refused before it
# is parsed, with a located error.
#
# ===------------------------------------------------------------------=== #
import os
import sys

d = sys.argv[1]
os.makedirs(d, exist_ok=True)
n = 30000


def write(name, text):
    with open(os.path.join(d, name), "w") as f:
        f.write(text)


write("flow.yaml", "clock_mhz: 1000\nname: " + "[" * n + "]" * n + "\n")
write("compact.yaml", "clock_mhz: 1000\n" + "- " * n + "x\n")
write("indent.yaml",
      "clock_mhz: 1000\n" + "".join("  " * i + "k%d:\n" % i for i in range(40)))
# Quotes hide brackets, but a quote inside a plain scalar opens nothing.
write("quoted.yaml", "clock_mhz: 1000\nname: it's " + "[" * 40 + "\n")
write("deep.txt", "[" * n + "]" * n)
