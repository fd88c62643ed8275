#!/usr/bin/env python3
# ===- fusion_stats.py - what graph fusion did to each benchmark model --------===#
#
# For each model (cpu_bench.py MODELS, .onnx files from --model-dir): the ONNX
# node count, the nn op count before the graph passes (`tessera-translate
# --import-onnx` + shape inference only), after folding and recognition
# (`--fuse=false`), the top-level ops after fusion (an nn.fused group counts
# once), BatchNormalization nodes left, and, from `--report-json`, the
# activation nodes that did not end up fused with a producer (with the
# report's reason). Constants and nn.none are not counted as ops.
#
# Usage: /usr/bin/python3 fusion_stats.py BUILD_DIR --model-dir DIR [--models a,b]
#
# ===-------------------------------------------------------------------------===#
import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bench"))
from cpu_bench import MODELS  # noqa: E402

ACTIVATIONS = {"Relu", "LeakyRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh",
               "Elu", "Selu", "Softplus", "PRelu", "Gelu"}
SKIP = {"nn.constant", "nn.none", "nn.yield"}


def count_ops(mlir, top_level_only):
    n = 0
    depth = 0
    for line in mlir.splitlines():
        m = re.search(r"=\s*(nn\.[a-z_]+)", line)
        if m and m.group(1) not in SKIP and (depth == 0 or not top_level_only):
            n += 1
        if top_level_only:
            if re.search(r"=\s*nn\.fused\b", line):
                depth += 1
            elif depth and re.match(r"\s*}\s*$", line):
                depth -= 1
    return n


def main():
    p = argparse.ArgumentParser()
    p.add_argument("build")
    p.add_argument("--model-dir", required=True)
    p.add_argument("--models", default=",".join(MODELS))
    a = p.parse_args()
    bin_dir = os.path.join(os.path.abspath(a.build), "bin")
    print("%-19s %6s %7s %7s %9s %4s  %s" % ("model", "nodes", "nn ops", "folded",
                                            "top-level", "BN", "activations not fused"))
    for name in a.models.split(","):
        input_name, shape = MODELS[name]
        model = os.path.join(a.model_dir, name + ".onnx")
        spec = "%s=%s" % (input_name, ",".join(map(str, shape)))
        imported = subprocess.run([os.path.join(bin_dir, "tessera-translate"), "--import-onnx",
                                   model, "--input-shape", spec],
                                  capture_output=True, text=True, check=True).stdout
        before = subprocess.run([os.path.join(bin_dir, "tessera-opt"),
                                 "--pass-pipeline=builtin.module(func.func("
                                 "tessera-shape-inference,canonicalize,cse,"
                                 "tessera-shape-inference))"],
                                input=imported, capture_output=True, text=True, check=True).stdout
        compile_nn = [os.path.join(bin_dir, "tessera-compile"), model, "--input-shape", spec,
                      "--emit=nn", "-o", "-"]
        unfused = subprocess.run(compile_nn + ["--fuse=false"], capture_output=True, text=True,
                                 check=True).stdout
        report_path = os.path.join("/tmp", "fusion-stats-%s.json" % name)
        fused = subprocess.run(compile_nn + ["--report-json=" + report_path],
                               capture_output=True, text=True, check=True).stdout
        report = json.load(open(report_path))
        nodes = report["nodes"]
        loose = ["%s (%s)" % (n["op_type"], n["reason"]) for n in nodes
                 if n["op_type"] in ACTIVATIONS and n["status"] == "unfused"]
        print("%-19s %6d %7d %7d %9d %4d  %s" % (
            name, len(nodes), count_ops(before, False), count_ops(unfused, False),
            count_ops(fused, True), unfused.count("nn.batch_normalization"),
            ", ".join(sorted(set(loose))) + (" x%d" % len(loose) if loose else "") or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
