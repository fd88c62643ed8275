#!/usr/bin/env python3
# ===- make_calibration_set.py - model inputs from real images ---------------===#
#
# Writes OUT/0000.npy, OUT/0001.npy, ... (float32, the model's input shape)
# for calibration (`tessera-compile --calibration=OUT`) or evaluation, from
# real photographs. Few source images are available offline, so every input
# is a random augmentation of one: a random crop (scale and aspect ratio), a
# horizontal flip, a brightness/contrast jitter; --seed picks them. Also
# writes OUT/manifest.json (source image, crop, flip and label of each file,
# the preprocessing) and OUT/labels.txt ("0000.npy LABEL" where the input has
# a known label).
#
# --images AUTO takes scikit-image's sample images: from an installed
# python3-skimage, else from the Debian package fetched with
# `apt-get download python3-skimage` into --cache and unpacked there. Their
# licenses (skimage/data/_fetchers.py): CC0 (chelsea, coffee, camera, horse,
# brick, grass, gravel, retina), public domain (astronaut, rocket,
# hubble_deep_field), the rest BSD-3-Clause with scikit-image.
# --images DIR takes every .png/.jpg/.jpeg of DIR.
#
# --subset calib|eval keeps the two sets disjoint: with at least 4 source
# images, calib takes the even and eval the odd ones (sorted by name); with
# fewer, calib crops from the top 60% of each image and eval from the rest.
#
# Preprocessing (--preprocess):
#   imagenet   (torchvision classifiers, the default) RGB; random resized crop
#              (area 30-100%, aspect 3/4-4/3) to H x W, bilinear; x / 255;
#              (x - mean) / std with mean 0.485, 0.456, 0.406 and std 0.229,
#              0.224, 0.225; CHW.
#   ppocr-cls  (PaddleOCR's text-direction classifier, fetch_models.py
#              ppocr_cls) one text line of a text image (page and bw_text
#              under AUTO; lines found by the rows' ink profile) with a
#              margin of 10-30% of its height, 40-100% of the image's
#              width; rotated by 180 degrees with probability 1/2 (label 1,
#              else 0); BGR; resized to height H keeping the aspect ratio
#              (width at most W); x / 255; (x - 0.5) / 0.5; padded on the
#              right with 0 to width W; CHW.
#
# Usage: /usr/bin/python3 make_calibration_set.py --images DIR|AUTO
#            --model-input 1,3,224,224 --count 32 --out DIR [--seed N]
#            [--preprocess imagenet|ppocr-cls] [--subset all|calib|eval]
#            [--cache DIR]
#
# ===-------------------------------------------------------------------------===#
import argparse
import glob
import json
import os
import subprocess
import sys

import numpy as np
from PIL import Image, ImageFilter

SKIMAGE_DATA = "/usr/lib/python3/dist-packages/skimage/data"
# The photographs among scikit-image's sample images (no synthetic patterns,
# no microscopy).
PHOTOS = ["astronaut.png", "brick.png", "camera.png", "chelsea.png", "coffee.png",
          "coins.png", "grass.png", "gravel.png", "horse.png", "hubble_deep_field.jpg",
          "motorcycle_left.png", "motorcycle_right.png", "retina.jpg", "rocket.jpg"]
TEXT = ["bw_text.png", "page.png"]
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)


def skimage_data(cache):
    """The directory of scikit-image's sample images, fetched if needed."""
    if os.path.isdir(SKIMAGE_DATA):
        return SKIMAGE_DATA
    unpacked = os.path.join(cache, "skimage-deb")
    data = os.path.join(unpacked, SKIMAGE_DATA.lstrip("/"))
    if os.path.isdir(data):
        return data
    os.makedirs(cache, exist_ok=True)
    debs = glob.glob(os.path.join(cache, "python3-skimage_*.deb"))
    if not debs:
        subprocess.run(["apt-get", "download", "python3-skimage"], cwd=cache, check=True,
                       capture_output=True)
        debs = glob.glob(os.path.join(cache, "python3-skimage_*.deb"))
    subprocess.run(["dpkg-deb", "-x", sorted(debs)[-1], unpacked], check=True)
    return data


def sources(images, preprocess, cache):
    if images == "AUTO":
        data = skimage_data(cache)
        names = TEXT if preprocess == "ppocr-cls" else PHOTOS
        paths = [os.path.join(data, n) for n in names]
    else:
        paths = [p for p in glob.glob(os.path.join(images, "*"))
                 if p.lower().endswith((".png", ".jpg", ".jpeg"))]
    paths = sorted(p for p in paths if os.path.exists(p))
    if not paths:
        sys.exit("make_calibration_set: no .png/.jpg images in %s" % images)
    return paths


def select(paths, subset):
    """The source images (path, row range as fractions) of a subset."""
    if subset == "all":
        return [(p, 0.0, 1.0) for p in paths]
    if len(paths) >= 4:
        keep = paths[0::2] if subset == "calib" else paths[1::2]
        return [(p, 0.0, 1.0) for p in keep]
    return [(p, 0.0, 0.6) if subset == "calib" else (p, 0.6, 1.0) for p in paths]


def jitter(img, rng):
    """Brightness and contrast jitter of a float RGB image in [0, 255]."""
    mean = img.mean()
    img = (img - mean) * rng.uniform(0.8, 1.2) + mean * rng.uniform(0.8, 1.2)
    return np.clip(img, 0, 255)


def imagenet_sample(img, rows, shape, rng):
    _, _, h, w = shape
    width, height = img.size
    top, bottom = int(rows[0] * height), int(rows[1] * height)
    avail = bottom - top
    for _ in range(20):
        area = rng.uniform(0.3, 1.0) * width * avail
        aspect = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3)))
        cw, ch = int(round(np.sqrt(area * aspect))), int(round(np.sqrt(area / aspect)))
        if 0 < cw <= width and 0 < ch <= avail:
            break
    else:
        cw, ch = min(width, avail), min(width, avail)
    x0 = int(rng.integers(0, width - cw + 1))
    y0 = top + int(rng.integers(0, avail - ch + 1))
    flip = bool(rng.integers(0, 2))
    crop = img.crop((x0, y0, x0 + cw, y0 + ch)).resize((w, h), Image.BILINEAR)
    if flip:
        crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
    x = jitter(np.asarray(crop, np.float32), rng) / 255.0
    x = (x - IMAGENET_MEAN) / IMAGENET_STD
    info = {"crop": [x0, y0, cw, ch], "flip": flip}
    return x.transpose(2, 0, 1), info, None


def text_lines(img, top, bottom):
    """The [y0, y1) row ranges of the text lines of a text image that lie
    within rows [top, bottom): runs of rows with ink (pixels well below the
    local background, a blur of the image) in the horizontal projection
    profile, gaps of up to 3 rows (i dots) closed."""
    gray = img.convert("L")
    background = np.asarray(gray.filter(ImageFilter.GaussianBlur(12)), np.float32)
    ink = np.asarray(gray, np.float32) < background - 30
    profile = ink.mean(axis=1) > 0.02
    runs, start = [], None
    for y, on in enumerate(list(profile) + [False]):
        if on and start is None:
            start = y
        elif not on and start is not None:
            if runs and start - runs[-1][1] <= 3:
                runs[-1] = (runs[-1][0], y)
            else:
                runs.append((start, y))
            start = None
    return [(y0, y1) for y0, y1 in runs if y1 - y0 >= 8 and y0 >= top and y1 <= bottom]


def ppocr_cls_sample(img, rows, shape, rng):
    _, _, h, w = shape
    width, height = img.size
    top, bottom = int(rows[0] * height), int(rows[1] * height)
    lines = text_lines(img, top, bottom)
    if not lines:
        sys.exit("make_calibration_set: no text line in rows %d-%d of an image" % (top, bottom))
    y0, y1 = lines[int(rng.integers(0, len(lines)))]
    margin = int(round((y1 - y0) * rng.uniform(0.1, 0.3)))
    y0, y1 = max(0, y0 - margin), min(height, y1 + margin)
    sw = int(rng.uniform(0.4, 1.0) * width)
    x0 = int(rng.integers(0, width - sw + 1))
    strip = img.crop((x0, y0, x0 + sw, y1))
    label = int(rng.integers(0, 2))
    if label:
        strip = strip.transpose(Image.ROTATE_180)
    rw = max(1, min(w, int(np.ceil(h * sw / (y1 - y0)))))
    strip = strip.resize((rw, h), Image.BILINEAR)
    x = jitter(np.asarray(strip, np.float32), rng)[:, :, ::-1] / 255.0  # BGR
    x = (x - 0.5) / 0.5
    out = np.zeros((h, w, 3), np.float32)
    out[:, :rw] = x
    info = {"crop": [x0, y0, sw, y1 - y0], "rotated_180": bool(label)}
    return out.transpose(2, 0, 1), info, label


SAMPLERS = {"imagenet": imagenet_sample, "ppocr-cls": ppocr_cls_sample}


def main():
    p = argparse.ArgumentParser(description="Model inputs from real images.")
    p.add_argument("--images", required=True, help="a directory of images, or AUTO")
    p.add_argument("--model-input", required=True, help="N,C,H,W")
    p.add_argument("--count", type=int, default=32)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--preprocess", choices=sorted(SAMPLERS), default="imagenet")
    p.add_argument("--subset", choices=["all", "calib", "eval"], default="all")
    p.add_argument("--cache", default=os.path.expanduser("~/.cache/tessera-images"))
    a = p.parse_args()
    shape = tuple(int(d) for d in a.model_input.split(","))
    if len(shape) != 4 or shape[1] != 3 or min(shape) <= 0:
        sys.exit("make_calibration_set: --model-input must be N,3,H,W, got %s" % a.model_input)
    chosen = select(sources(a.images, a.preprocess, a.cache), a.subset)
    rng = np.random.default_rng(a.seed)
    sample = SAMPLERS[a.preprocess]
    os.makedirs(a.out, exist_ok=True)
    images = {path: Image.open(path).convert("RGB") for path, _, _ in chosen}
    manifest = {"preprocess": a.preprocess, "model_input": list(shape), "seed": a.seed,
                "subset": a.subset, "files": []}
    labels = []
    for i in range(a.count):
        batch = []
        for _ in range(shape[0]):
            path, lo, hi = chosen[int(rng.integers(0, len(chosen)))]
            x, info, label = sample(images[path], (lo, hi), shape, rng)
            batch.append(x)
            info.update({"file": "%04d.npy" % i, "source": os.path.basename(path),
                         "rows": [lo, hi]})
            if label is not None:
                info["label"] = label
            manifest["files"].append(info)
        np.save(os.path.join(a.out, "%04d.npy" % i), np.stack(batch).astype(np.float32))
        if label is not None and shape[0] == 1:
            labels.append("%04d.npy %d" % (i, label))
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    if labels:
        with open(os.path.join(a.out, "labels.txt"), "w") as f:
            f.write("\n".join(labels) + "\n")
    print("wrote %d inputs of shape %s to %s (%s, %d source images)"
          % (a.count, ",".join(map(str, shape)), a.out, a.preprocess, len(chosen)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
