#!/usr/bin/env python3
"""Int8 accuracy of real models under each calibration observer.

quant_accuracy.py BUILD --model-dir DIR [--models resnet50,mobilenet_v2,...]
    [--observers minmax,percentile,entropy] [--num-calibration 32]
    [--num-evaluation 8] [--images DIR]

Generates calibration and evaluation inputs (random images normalized like
ImageNet, or images from --images), calibrates once per model (the first
observer writes the statistics cache, the others reuse it), compiles with
`tessera-compile --quantize=int8 --report-json` per observer and prints the
final SQNR, top-1 agreement and the worst layers per model x observer.
Needs numpy (and Pillow for --images).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

MEAN = np.array([0.485, 0.456, 0.406], np.float32).reshape(1, 3, 1, 1)
STD = np.array([0.229, 0.224, 0.225], np.float32).reshape(1, 3, 1, 1)


def make_inputs(directory, count, seed, images):
    os.makedirs(directory, exist_ok=True)
    if images:
        from PIL import Image
        files = sorted(os.listdir(images))
        files = files[seed * count:(seed + 1) * count] or files[:count]
    rng = np.random.default_rng(seed)
    for i in range(count):
        if images:
            img = Image.open(os.path.join(images, files[i % len(files)]))
            img = img.convert("RGB").resize((224, 224))
            x = np.asarray(img, np.float32).transpose(2, 0, 1)[None] / 255.0
        else:
            x = rng.random((1, 3, 224, 224), dtype=np.float32)
        x = ((x - MEAN) / STD).astype(np.float32)
        np.save(os.path.join(directory, "set%03d.npy" % i), x)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build")
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--models", default="resnet50,mobilenet_v2,"
                        "efficientnet_b0")
    parser.add_argument("--observers", default="minmax,percentile,entropy")
    parser.add_argument("--num-calibration", type=int, default=32)
    parser.add_argument("--num-evaluation", type=int, default=8)
    parser.add_argument("--images")
    parser.add_argument("--work-dir")
    args = parser.parse_args()

    compiler = os.path.join(args.build, "bin", "tessera-compile")
    work = args.work_dir or tempfile.mkdtemp(prefix="quant-accuracy-")
    calib = os.path.join(work, "calibration")
    evaluation = os.path.join(work, "evaluation")
    make_inputs(calib, args.num_calibration, 0, args.images)
    make_inputs(evaluation, args.num_evaluation, 1, args.images)

    rows = []
    for model in args.models.split(","):
        path = os.path.join(args.model_dir, model + ".onnx")
        cache = os.path.join(work, model + ".calibration.json")
        for observer in args.observers.split(","):
            report = os.path.join(work, "%s.%s.json" % (model, observer))
            cmd = [compiler, path, "--input-shape", "input=1,3,224,224",
                   "--quantize=int8", "--calibration=" + calib,
                   "--evaluation=" + evaluation,
                   "--calibration-cache=" + cache, "--observer=" + observer,
                   "--report-json=" + report,
                   "-o", os.path.join(work, "%s.%s" % (model, observer))]
            cached = os.path.exists(cache)
            start = time.time()
            proc = subprocess.run(cmd, capture_output=True, text=True)
            seconds = time.time() - start
            if proc.returncode != 0:
                print("%s %s failed:\n%s" % (model, observer, proc.stderr),
                      file=sys.stderr)
                continue
            with open(report) as f:
                r = json.load(f)
            top1 = r["top1"]
            rows.append((model, observer, r["outputs"][0]["sqnr_db"],
                         top1["calibration"], top1["evaluation"],
                         ", ".join("%s (%.1f)" % (w["key"], w["sqnr_db"] or 0)
                                   for w in r["worst"][:3]),
                         seconds, cached))

    def agree(a):
        return "%d/%d" % (a["agree"], a["sets"]) if a["sets"] else "-"

    print("%-16s %-10s %9s %7s %7s %8s  %s" % (
        "model", "observer", "SQNR(dB)", "top1:cal", "top1:eval", "time(s)",
        "worst layers (dB)"))
    for model, observer, sqnr, cal, ev, worst, seconds, cached in rows:
        print("%-16s %-10s %9s %7s %7s %8.1f%s  %s" % (
            model, observer, "%.2f" % sqnr if sqnr is not None else "inf",
            agree(cal), agree(ev), seconds, "" if cached else "*", worst))
    print("(* includes calibration; the other rows reuse the statistics cache)")


if __name__ == "__main__":
    main()
