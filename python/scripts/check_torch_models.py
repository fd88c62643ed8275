#!/usr/bin/env python3
# ===- check_torch_models.py - PyTorch models end to end against ORT ---------===#
#
# Exports the benchmark's models (cpu_bench.py MODELS) with random weights
# (export_torch_models.py, cached in BUILD/bench-models), runs each on a fixed
# random input with ONNX Runtime (npm onnxruntime-node in BUILD/ort, through
# bench/ort_run.js) and with `tessera-compile --target=cpu` + `tessera-run
# --expect`, and prints max abs/rel errors; fails if any model is outside
# rtol 1e-3 (atol 1e-4 x the largest |reference|: logits near 0 differ by
# accumulation order). Not part of CI (needs python3-torch and npm); run by hand.
#
# Usage: /usr/bin/python3 check_torch_models.py [BUILD_DIR] [--models a,b] [--model-dir DIR]
#
# ===-------------------------------------------------------------------------===#
import argparse
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "bench"))
from cpu_bench import MODELS, ensure_ort  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("build", nargs="?", default=os.path.join(ROOT, "build"))
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--model-dir", default=None)
    a = p.parse_args()
    build = os.path.abspath(a.build)
    module = ensure_ort(build)
    cache = os.path.abspath(a.model_dir) if a.model_dir else os.path.join(build, "bench-models")
    failures = 0
    for name in a.models.split(","):
        input_name, shape = MODELS[name]
        model = os.path.join(cache, name + ".onnx")
        if not os.path.exists(model):
            subprocess.run(["/usr/bin/python3", os.path.join(HERE, "export_torch_models.py"),
                            cache, "--models", name], check=True)
        work = os.path.join(build, "e2e", name)
        os.makedirs(work, exist_ok=True)
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        np.save(os.path.join(work, "input.npy"), x)
        subprocess.run(["node", os.path.join(ROOT, "bench", "ort_run.js"), model,
                        os.path.join(work, "ort"), "%s=%s" % (input_name, os.path.join(work, "input.npy"))],
                       check=True, env=dict(os.environ, ORT_MODULE=module))
        spec = "%s=%s" % (input_name, ",".join(map(str, shape)))
        c = subprocess.run([os.path.join(build, "bin", "tessera-compile"), model, "--target=cpu",
                            "--input-shape", spec, "-o", os.path.join(work, "artifact")],
                           capture_output=True, text=True)
        if c.returncode != 0:
            print("%-14s COMPILE ERROR %s" % (name, c.stderr.strip().splitlines()[0]))
            failures += 1
            continue
        # Random-weight networks can end in tiny logits (EfficientNet-B0's are
        # ~1e-17): atol is 1e-4 of the reference's largest magnitude, so the
        # check means the same at every scale.
        ref = np.load(os.path.join(work, "ort", "output.npy"))
        atol = 1e-4 * float(np.abs(ref).max())
        r = subprocess.run([os.path.join(build, "bin", "tessera-run"), os.path.join(work, "artifact"),
                            "--input", "%s=%s" % (input_name, os.path.join(work, "input.npy")),
                            "--expect", "output=%s" % os.path.join(work, "ort", "output.npy"),
                            "--rtol", "1e-3", "--atol", "%g" % atol], capture_output=True, text=True)
        print("%-19s max|ref| %.3g, %s" % (name, float(np.abs(ref).max()),
                                           (r.stdout + r.stderr).strip()))
        failures += r.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
