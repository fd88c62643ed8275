#!/usr/bin/env python3
# Prints the PTX of the first gpu.binary in an MLIR file: the `assembly`
# string of its #gpu.object (gpu-module-to-binary with format=isa), with
# MLIR's string escapes (\\ and \XX hex) undone.
import re
import sys

text = open(sys.argv[1]).read() if len(sys.argv) > 1 else sys.stdin.read()
match = re.search(r'assembly\s*=\s*"((?:[^"\\]|\\.)*)"', text)
if not match:
    sys.exit("extract_ptx.py: no gpu.binary with an assembly attribute")


def unescape(m):
    esc = m.group(1)
    return "\\" if esc == "\\" else chr(int(esc, 16))


sys.stdout.write(re.sub(r"\\(\\|[0-9A-Fa-f]{2})", unescape, match.group(1)))
