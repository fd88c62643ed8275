# ===- check_dram.py - DRAM allocation of outlined npu.programs -----------===#
#
# For every npu.program of an MLIR file: the tensors and constants (address
# and size from their types) must not overlap and must end within
# dram_bytes. Prints one line per program.
#
# ===----------------------------------------------------------------------===#
import re
import sys

ELEM = {"i8": 1, "i32": 4, "bf16": 2}


def size(type_text):
    dims = type_text.split("x")
    n = 1
    for d in dims[:-1]:
        n *= int(d)
    return n * ELEM[dims[-1]]


text = open(sys.argv[1]).read()
for prog in re.finditer(r"npu\.program @(\w+) attributes \{dram_bytes = (\d+) : i64\} \{(.*?)\n  \}", text, re.S):
    name, dram, body = prog.group(1), int(prog.group(2)), prog.group(3)
    ranges = []
    for m in re.finditer(r"npu\.(?:tensor (?:input|output) \"[^\"]*\"|constant(?: \"[^\"]*\")?) at (\d+) (?::|= [^:]*:) tensor<([^>]*)>", body):
        begin = int(m.group(1))
        ranges.append((begin, begin + size(m.group(2))))
    ranges.sort()
    ok = all(a[1] <= b[0] for a, b in zip(ranges, ranges[1:]))
    within = all(end <= dram for _, end in ranges)
    print("%s: %d tensors/constants, %s, %s" % (
        name, len(ranges), "no overlap" if ok else "OVERLAP",
        "all below dram_bytes" if within else "BEYOND dram_bytes"))
