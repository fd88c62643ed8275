#!/usr/bin/env python3
# ===- fuzz_inputs.py - mutation fuzzing of the tools' untrusted inputs -----===#
#
# Mutates a valid input file at random and runs a tool on each mutant; every
# run must end with exit status 0, 1 or 2 (success, or a clear error) within
# the timeout, and without a sanitizer report in its output. Failing mutants
# are written next to --out for replay. Run it against a build configured with
# -DTESSERA_SANITIZE=ON to catch memory errors (docs/getting-started.md); the
# lit smoke test runs a few dozen mutants against the normal build.
#
#   fuzz_inputs.py onnx MODEL.onnx --tool BUILD/bin/tessera-compile [-- ARGS]
#   fuzz_inputs.py yaml HW.yaml    --tool BUILD/bin/tessera-sim     [-- ARGS]
#   fuzz_inputs.py asm  PROG.s     --tool BUILD/bin/tessera-sim     [-- ARGS]
#       [--runs N] [--seed S] [--out DIR]
#
# The mutant's path replaces @FILE in ARGS. Defaults: `@FILE --emit=nn -o
# /dev/null` for onnx, `@FILE --hw=edge` for asm; yaml has none (give e.g.
# `PROGRAM.s --hw=@FILE --no-timing`). Byte mutations for ONNX (biased
# to the graph at the front of the file), text mutations for YAML and
# assembly (tokens that stress the parsers, deletions, numeric fields set to
# boundary values). Prints a summary line "runs N, exit codes {...}, bad K"
# and exits 1 when K > 0.
#
# ===-------------------------------------------------------------------------===#
import argparse
import os
import random
import re
import subprocess
import sys

TEXT_TOKENS = ["0", "-1", "1e400", "nan", "[", "]", "{", "}", ":", "- ",
               "\t", "'", '"', "&a", "*a", "!!int", "99999999999999999999",
               "\n  x: 1", "\n", "#", "~", "0x10", "1.5", "=", ",", "push_next"]
BOUNDARY = [0, 1, -1, 15, 16, 17, 255, 256, 1023, 1024, 16383, 16384, 65535,
            65536, 2**24 - 1, 2**24, 2**31 - 1, 2**32]


def mutate_bytes(data, rng):
    b = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        # Most of a model is weights; the graph is at the front.
        if rng.random() < 0.7:
            i = rng.randrange(min(1500, len(b)))
        else:
            i = rng.randrange(len(b))
        op = rng.random()
        if op < 0.5:
            b[i] = rng.randrange(256)
        elif op < 0.7:
            del b[i:i + rng.randint(1, 16)]
        elif op < 0.85:
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        else:
            b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def mutate_text(text, rng):
    lines = text.splitlines()
    # Mostly one edit, so that many mutants get past the parser.
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        i = rng.randrange(len(lines))
        numbers = list(re.finditer(r"(?<=[=:\s\[,])(-?0x[0-9a-fA-F]+|-?\d+)", lines[i]))
        op = rng.random()
        if numbers and op < 0.5:
            m = rng.choice(numbers)
            lines[i] = lines[i][:m.start()] + str(rng.choice(BOUNDARY)) + lines[i][m.end():]
        elif op < 0.75:
            j = rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:j] + rng.choice(TEXT_TOKENS) + lines[i][j:]
        elif op < 0.9 and lines[i]:
            j = rng.randrange(len(lines[i]))
            lines[i] = lines[i][:j] + lines[i][j + rng.randint(1, 8):]
        else:
            del lines[i]
            if not lines:
                lines = [""]
    return ("\n".join(lines) + "\n").encode()


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=["onnx", "yaml", "asm"])
    p.add_argument("input")
    p.add_argument("--tool", required=True)
    p.add_argument("--runs", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="fuzz-out")
    p.add_argument("--timeout", type=float, default=60)
    a = p.parse_args(argv)
    defaults = {"onnx": ["@FILE", "--emit=nn", "-o", os.devnull],
                "yaml": None, "asm": ["@FILE", "--hw=edge"]}
    args = extra or defaults[a.kind]
    if args is None:
        p.error("yaml needs the tool's arguments after --, with @FILE for "
                "the description")
    os.makedirs(a.out, exist_ok=True)
    suffix = {"onnx": ".onnx", "yaml": ".yaml", "asm": ".s"}[a.kind]
    mutant_path = os.path.join(a.out, "mutant" + suffix)
    original = open(a.input, "rb").read()
    rng = random.Random(a.seed)
    codes, bad = {}, 0
    for run in range(a.runs):
        if a.kind == "onnx":
            data = mutate_bytes(original, rng)
        else:
            data = mutate_text(original.decode(), rng)
        with open(mutant_path, "wb") as f:
            f.write(data)
        cmd = [a.tool] + [x.replace("@FILE", mutant_path) for x in args]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=a.timeout)
            code = proc.returncode
            out = (proc.stdout + proc.stderr).decode(errors="replace")
        except subprocess.TimeoutExpired:
            code, out = "timeout", ""
        codes[code] = codes.get(code, 0) + 1
        if code not in (0, 1, 2) or "Sanitizer" in out or "runtime error:" in out:
            bad += 1
            keep = os.path.join(a.out, "bad-%d%s" % (run, suffix))
            with open(keep, "wb") as f:
                f.write(data)
            print("BAD run %d: exit %s, kept as %s\n%s" % (run, code, keep, out[-2000:]))
    print("runs %d, exit codes %s, bad %d" % (a.runs, dict(sorted(codes.items(), key=str)), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
