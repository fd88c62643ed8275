#!/usr/bin/env python3
# ===- int8_bench.py - int8 ResNet-50 against fp32 on the CPU ---------------===#
#
# Times the int8 integer graph of a float ONNX CNN (conv_integer + i32 bias +
# requantize, python/scripts/make_int8_model.py) against the fp32 artifact of
# the same model, one thread each, alternating rounds:
#
#   /usr/bin/python3 bench/int8_bench.py BUILD
#       --model MODELS/resnet50.onnx
#       [--runs 10] [--rounds 3] [--work DIR] [--reuse]
#
# The int8 model is `nn` MLIR, which tessera-compile does not read: it goes
# through the same stages with tessera-opt (-tessera-nn-stage
# -tessera-linalg-stage -tessera-cpu-codegen -tessera-cpu-llvm-stage),
# tessera-translate --mlir-to-llvmir and clang -O3 -march=native, linked with
# the runtime support and a tessera_run entry into an artifact directory with
# a manifest. The fp32 model is compiled twice: by tessera-compile (the
# shipped path) and, as a control for the route, from its `--emit=nn` output
# the same way as the int8 one. Per round the median of --runs runs of
# `tessera-run --random-inputs --benchmark`; the table gives the median of the
# round medians and their range, and int8 / fp32 ratios.
# ===----------------------------------------------------------------------===#
import argparse
import json
import os
import re
import statistics
import subprocess
import sys

CLANG = "/usr/lib/llvm-22/bin/clang"
HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)

WRAPPER = r"""
void tessera_model_main(void *in, void *out) __asm__("main");
int tessera_run(void *const *inputs, void *const *outputs) {
  tessera_model_main(inputs[0], outputs[0]);
  return 0;
}
"""


def run(cmd, **kw):
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True, **kw)


def compile_mlir(build, mlir, out_dir, in_shape, out_shape):
    """nn MLIR (one input, one output, f32) -> artifact directory."""
    os.makedirs(out_dir, exist_ok=True)
    bin_dir = os.path.join(build, "bin")
    llvm_mlir = os.path.join(out_dir, "model.llvm.mlir")
    ll = os.path.join(out_dir, "model.ll")
    run([os.path.join(bin_dir, "tessera-opt"), mlir, "-tessera-nn-stage",
         "-tessera-linalg-stage", "-tessera-cpu-codegen",
         "-tessera-cpu-llvm-stage", "-o", llvm_mlir])
    run([os.path.join(bin_dir, "tessera-translate"), "--mlir-to-llvmir",
         llvm_mlir, "-o", ll])
    os.remove(llvm_mlir)
    obj = os.path.join(out_dir, "model.o")
    run([CLANG, "-O3", "-march=native", "-fPIC", "-Wno-override-module",
         "-c", ll, "-o", obj])
    os.remove(ll)
    wrapper = os.path.join(out_dir, "entry.c")
    with open(wrapper, "w") as f:
        f.write(WRAPPER)
    run([CLANG, "-O2", "-fPIC", "-shared", obj, wrapper,
         os.path.join(SRC, "lib/Target/CPU/CPURuntimeSupport.c"), "-lm",
         "-o", os.path.join(out_dir, "model.so")])
    manifest = {
        "format": "tessera-artifact", "format_version": 1, "target": "cpu",
        "library": "model.so", "entry": "tessera_run",
        "inputs": [{"name": "input", "dtype": "float32", "shape": in_shape}],
        "outputs": [{"name": "output", "dtype": "float32",
                     "shape": out_shape}]}
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f)


def bench(build, artifact, runs):
    out = subprocess.run(
        [os.path.join(build, "bin", "tessera-run"), artifact,
         "--random-inputs", "--benchmark", str(runs)],
        check=True, capture_output=True, text=True).stdout
    m = re.search(r"median ([0-9.]+) ms", out)
    if not m:
        sys.exit("no latency in: " + out)
    return float(m.group(1))


def main():
    ap = argparse.ArgumentParser(description="int8 vs fp32 CPU latency")
    ap.add_argument("build")
    ap.add_argument("--model", required=True)
    ap.add_argument("--input-shape", default="1,3,224,224")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--work", default="/tmp/int8_bench")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse the artifacts already in --work")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    shape = [int(d) for d in args.input_shape.split(",")]
    out_shape = [shape[0], 1000]
    fp32 = os.path.join(work, "fp32")
    fp32_route = os.path.join(work, "fp32_opt")
    int8 = os.path.join(work, "int8")
    if not args.reuse:
        run([os.path.join(build, "bin", "tessera-compile"), args.model,
             "--target=cpu", "--input-shape", "input=" + args.input_shape,
             "-o", fp32])
        with open(os.path.join(fp32, "manifest.json")) as f:
            out_shape = json.load(f)["outputs"][0]["shape"]
        nn = os.path.join(work, "fp32.nn.mlir")
        run([os.path.join(build, "bin", "tessera-compile"), args.model,
             "--emit=nn", "--input-shape", "input=" + args.input_shape,
             "-o", nn])
        compile_mlir(build, nn, fp32_route, shape, out_shape)
        mlir = os.path.join(work, "int8.mlir")
        run(["/usr/bin/python3",
             os.path.join(SRC, "python/scripts/make_int8_model.py"),
             args.model, mlir, "--input-shape", args.input_shape])
        compile_mlir(build, mlir, int8, shape, out_shape)
    variants = [("fp32 (tessera-compile)", fp32),
                ("fp32 (tessera-opt route)", fp32_route),
                ("int8 (tessera-opt route)", int8)]
    times = {name: [] for name, _ in variants}
    for r in range(args.rounds):
        for name, path in variants:
            times[name].append(bench(build, path, args.runs))
        print(f"round {r + 1}: " + ", ".join(
            f"{n} {times[n][-1]:.2f}" for n, _ in variants), file=sys.stderr)
    med = {n: statistics.median(t) for n, t in times.items()}
    print("| variant | ms median (range) | / fp32 (tessera-compile) "
          "| / fp32 (same route) |")
    print("|---|---|---|---|")
    for name, _ in variants:
        t = times[name]
        print(f"| {name} | {med[name]:.2f} ({min(t):.2f}-{max(t):.2f}) | "
              f"{med[name] / med[variants[0][0]]:.2f} | "
              f"{med[name] / med[variants[1][0]]:.2f} |")


if __name__ == "__main__":
    main()
