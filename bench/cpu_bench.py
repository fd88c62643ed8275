#!/usr/bin/env python3
# ===- cpu_bench.py - Tessera CPU latency side by side with ONNX Runtime ------===#
#
# A benchmark, not a test. For each model (PyTorch-exported with random
# weights by python/scripts/export_torch_models.py, cached in
# BUILD/bench-models): compile with `tessera-compile --target=cpu`, time it with
# `tessera-run --random-inputs --benchmark N` (2 warm-up runs, median of N),
# time ONNX Runtime (npm onnxruntime-node, installed with --ignore-scripts into
# BUILD/ort, one intra-op and one inter-op thread, 2 warm-ups, median of N) in
# the same run, and print a table with the ratio Tessera / ORT. Both run on one
# thread (Tessera's code is single-threaded). With --rounds R (default 3) the
# two alternate R times per model (Tessera, ORT, Tessera, ...): the table shows
# the median of the R round medians and their range, and the ratio of medians.
# --flags passes extra tessera-compile flags (A/B runs of hidden knobs);
# --model-dir takes the .onnx files from another directory.
#
# Usage: /usr/bin/python3 bench/cpu_bench.py [BUILD_DIR] [--models a,b] [--runs N]
#            [--rounds R] [--flags="--cpu-fuse-elementwise=1"] [--model-dir DIR]
#
# ===-------------------------------------------------------------------------===#
import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
MODELS = {
    "resnet50": ("input", [1, 3, 224, 224]),
    "mobilenet_v2": ("input", [1, 3, 224, 224]),
    "transformer": ("input", [1, 128, 256]),
    "efficientnet_b0": ("input", [1, 3, 224, 224]),
    "mobilenet_v3_small": ("input", [1, 3, 224, 224]),
    "squeezenet1_1": ("input", [1, 3, 224, 224]),
    "shufflenet_v2_x1_0": ("input", [1, 3, 224, 224]),
    # ResNet-50 with its BatchNormalization nodes: as fast as resnet50 once
    # they are folded into the convolutions.
    "resnet50_bn": ("input", [1, 3, 224, 224]),
    # The encoder with Gelu, exported at opset 13: LayerNormalization and Gelu
    # arrive decomposed and must be recognized.
    "transformer_gelu": ("input", [1, 128, 256]),
}


def ensure_ort(build):
    ort = os.path.join(build, "ort")
    module = os.path.join(ort, "node_modules", "onnxruntime-node")
    if not os.path.isdir(module):
        os.makedirs(ort, exist_ok=True)
        subprocess.run(["npm", "init", "-y"], cwd=ort, check=True, capture_output=True)
        subprocess.run(["npm", "install", "--ignore-scripts", "onnxruntime-node"],
                       cwd=ort, check=True, capture_output=True)
    return module


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("build", nargs="?", default=os.path.join(ROOT, "build"))
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--flags", default="")
    p.add_argument("--model-dir", default=None)
    a = p.parse_args()
    build = os.path.abspath(a.build)
    cache = os.path.abspath(a.model_dir) if a.model_dir else os.path.join(build, "bench-models")
    module = ensure_ort(build)
    rows = []
    for name in a.models.split(","):
        input_name, shape = MODELS[name]
        model = os.path.join(cache, name + ".onnx")
        if not os.path.exists(model):
            subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "python", "scripts",
                                                             "export_torch_models.py"),
                            cache, "--models", name], check=True)
        art = os.path.join(build, "bench-artifacts", name)
        spec = "%s=%s" % (input_name, ",".join(map(str, shape)))
        c = subprocess.run([os.path.join(build, "bin", "tessera-compile"), model,
                            "--target=cpu", "--input-shape", spec, "-o", art] + a.flags.split(),
                           capture_output=True, text=True)
        if c.returncode != 0:
            rows.append((name, None, None, c.stderr.strip().splitlines()[0][:100]))
            continue
        tessera, ort = [], []
        for _ in range(a.rounds):
            r = subprocess.run([os.path.join(build, "bin", "tessera-run"), art,
                                "--random-inputs", "--benchmark", str(a.runs)],
                               capture_output=True, text=True, check=True)
            tessera.append(float(re.search(r"median ([0-9.]+) ms", r.stdout).group(1)))
            o = subprocess.run(["node", os.path.join(HERE, "ort_bench.js"), model, input_name,
                                ",".join(map(str, shape)), "2", str(a.runs)],
                               capture_output=True, text=True, check=True,
                               env=dict(os.environ, ORT_MODULE=module))
            ort.append(json.loads(o.stdout)["median_ms"])
        rows.append((name, tessera, ort, ""))
    print("%-19s %22s %22s %7s  %s" % ("model", "tessera ms (range)", "ORT ms (range)",
                                       "ratio", "note"))
    for name, t, o, note in rows:
        if t is None:
            print("%-19s %22s %22s %7s  %s" % (name, "-", "-", "-", note))
            continue
        cell = lambda v: "%7.2f (%6.2f-%6.2f)" % (median(v), min(v), max(v))
        print("%-19s %22s %22s %7.2f" % (name, cell(t), cell(o), median(t) / median(o)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
