#!/usr/bin/env python3
# ===- import_bench.py - ONNX import time and peak memory --------------------===#
#
# A benchmark, not a test: imports a ResNet-50-sized model (torchvision
# ResNet-50 with random weights, ~100 MB of fp32 weights) N times and prints,
# for each command, the file size, median and min wall time, peak RSS and the
# ratio peak RSS / file size, against the goals "import < 1 s" and
# "peak RSS < 2x file size":
#
#   compile         tessera-compile --emit=nn -o /dev/null  (weights printed as hex)
#   compile-elided  the same with --elide-weights           (weights not printed)
#   translate       tessera-translate --import-onnx         (import only, no folding)
#
# The model is exported once by python/scripts/export_torch_models.py into
# BUILD/bench-models and reused (or pass --model to time another one; then also
# pass its --input-shape). One untimed warm-up run precedes each command's runs.
# Peak RSS is the child's ru_maxrss (os.wait4), the max over the runs. "base" is
# the same command's peak RSS on the tiny example model (make_example.py): the
# fixed cost of the shared libraries, which (RSS-base)/file leaves out.
#
# Usage: /usr/bin/python3 bench/import_bench.py [BUILD_DIR] [--runs N]
#            [--model M.onnx --input-shape name=d0,d1,...]
#
# ===-------------------------------------------------------------------------===#
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "..", "python", "scripts")
EXPORT = os.path.join(SCRIPTS, "export_torch_models.py")
TINY = os.path.join(SCRIPTS, "make_example.py")
GOAL_SECONDS = 1.0
GOAL_RSS_RATIO = 2.0


def run_once(cmd):
    """Runs cmd; returns (wall seconds, peak RSS in bytes)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with proc.stderr:
        err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)}\nexited {proc.returncode}: {err.decode(errors='replace')}")
    return seconds, usage.ru_maxrss * 1024  # ru_maxrss is in KiB on Linux


def model_path(build, args):
    if args.model:
        return args.model
    cache = os.path.join(build, "bench-models")
    path = os.path.join(cache, "resnet50.onnx")
    if not os.path.exists(path):
        print(f"exporting {path} ...", file=sys.stderr)
        subprocess.run([sys.executable, EXPORT, cache, "--models", "resnet50"], check=True,
                       stderr=subprocess.DEVNULL)
    return path


def main():
    parser = argparse.ArgumentParser(description="Benchmark ONNX import time and peak RSS.")
    parser.add_argument("build", nargs="?", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--model", help="an ONNX model to time instead of ResNet-50")
    parser.add_argument("--input-shape", default="input=1,3,224,224")
    args = parser.parse_args()
    bin_dir = os.path.join(os.path.abspath(args.build), "bin")
    model = model_path(args.build, args)
    size = os.path.getsize(model)

    def commands(model, shape):
        pin = "--input-shape=" + shape
        compile_ = [os.path.join(bin_dir, "tessera-compile"), model, "--emit=nn", pin]
        return {
            "compile": compile_ + ["-o", "/dev/null"],
            "compile-elided": compile_ + ["--elide-weights", "-o", "/dev/null"],
            "translate": [os.path.join(bin_dir, "tessera-translate"), "--import-onnx", pin,
                          model, "-o", "/dev/null"],
        }

    # The fixed cost (shared libraries, MLIR context) is the peak RSS of
    # importing a model with next to no weights.
    tiny = os.path.join(args.build, "bench-models", "tiny_cnn.onnx")
    if not os.path.exists(tiny):
        os.makedirs(os.path.dirname(tiny), exist_ok=True)
        subprocess.run([sys.executable, TINY, tiny], check=True)
    base = {name: run_once(cmd)[1] for name, cmd in commands(tiny, "input=1,3,32,32").items()}

    print(f"model: {model} ({size / 2**20:.1f} MiB), {args.runs} runs each")
    header = (f"{'command':<15} {'file MiB':>8} {'median s':>8} {'min s':>6} "
              f"{'peak RSS MiB':>12} {'RSS/file':>8} {'base MiB':>8} {'(RSS-base)/file':>15}"
              f"  <{GOAL_SECONDS:g} s  RSS<{GOAL_RSS_RATIO:g}x")
    print(header)
    print("-" * len(header))
    for name, cmd in commands(model, args.input_shape).items():
        run_once(cmd)  # warm-up: page cache, shared libraries
        samples = [run_once(cmd) for _ in range(args.runs)]
        seconds = [s for s, _ in samples]
        rss = max(r for _, r in samples)
        median, ratio = statistics.median(seconds), rss / size
        print(f"{name:<15} {size / 2**20:>8.1f} {median:>8.3f} {min(seconds):>6.3f} "
              f"{rss / 2**20:>12.1f} {ratio:>8.2f} {base[name] / 2**20:>8.1f} "
              f"{(rss - base[name]) / size:>15.2f}  {'ok' if median < GOAL_SECONDS else 'MISS':>5}"
              f"  {'ok' if ratio < GOAL_RSS_RATIO else 'MISS':>7}")


if __name__ == "__main__":
    main()
