#!/usr/bin/env bash
#===- tools/dev.sh - set up, build, demo and test Tessera --------------===//
#
#   tools/dev.sh demo   install what is missing, build, run the main job on the
#                       bundled example model
#   tools/dev.sh test   install what is missing, build, run every test
#   tools/dev.sh build  install what is missing and build only
#   tools/dev.sh fuzz   build the fuzz targets (clang, FUZZ_BUILD_DIR, default
#                       ./build-fuzz) and run their smoke run (test does too)
#
# Idempotent and non-interactive: installs only the Debian packages that are
# missing, reuses an existing build directory (BUILD_DIR, default ./build).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
LLVM_BIN=/usr/lib/llvm-22/bin

PACKAGES=(cmake ninja-build ccache g++ git googletest libgtest-dev
          llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools liblld-22-dev
          libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata
          python3-onnx python3-numpy python3-pil clang-format-22)
# The Python package (python/, docs/python.md) and its tests: pybind11, pytest,
# dask.distributed for the cluster executor, matplotlib; chromium renders the
# explorer's HTML report in its test.
PACKAGES+=(python3-dev pybind11-dev python3-pytest python3-distributed
           python3-matplotlib chromium)
# The install and package tests (test/Install, docs/deployment.md): pkg-config,
# CPack's DEB generator (dpkg-shlibdeps, file), lintian on the package, and
# debootstrap for installing it into a fresh Debian 12 root (test/Install).
PACKAGES+=(pkgconf dpkg-dev file lintian debootstrap)
# The fuzz targets (test/fuzz, docs/fuzzing.md): `test` runs their smoke run.
PACKAGES+=(clang-22 libclang-rt-22-dev)
FUZZ_BUILD_DIR=${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}

install_missing() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "== installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    cmake -G Ninja -S "$ROOT" -B "$BUILD_DIR" \
      -DCMAKE_BUILD_TYPE=Release \
      -DMLIR_DIR="$("$LLVM_BIN/llvm-config" --libdir)/cmake/mlir" \
      -DLLVM_EXTERNAL_LIT="$LLVM_BIN/lit"
  fi
  cmake --build "$BUILD_DIR" -j "$(nproc)"
}

# Only the fuzz targets and the libraries they link are built with clang
# (ASan + UBSan + libFuzzer instrumentation), in a build directory of their
# own; the smoke run fuzzes each target for FUZZ_SMOKE_SECONDS (default 8).
build_fuzz() {
  if [ ! -f "$FUZZ_BUILD_DIR/build.ninja" ]; then
    cmake -G Ninja -S "$ROOT" -B "$FUZZ_BUILD_DIR" \
      -DCMAKE_BUILD_TYPE=Release -DTESSERA_FUZZ=ON \
      -DCMAKE_C_COMPILER="$LLVM_BIN/clang" -DCMAKE_CXX_COMPILER="$LLVM_BIN/clang++" \
      -DMLIR_DIR="$("$LLVM_BIN/llvm-config" --libdir)/cmake/mlir" \
      -DLLVM_EXTERNAL_LIT="$LLVM_BIN/lit"
  fi
  cmake --build "$FUZZ_BUILD_DIR" -j "$(nproc)" --target tessera-fuzzers
}

demo() {
  local out="$BUILD_DIR/demo"
  mkdir -p "$out"
  echo "== example model: tiny_cnn.onnx (python/scripts/make_example.py; dynamic batch)"
  /usr/bin/python3 "$ROOT/python/scripts/make_example.py" "$out/tiny_cnn.onnx"
  echo "== tessera-compile --emit=nn --input-shape input=1,3,32,32"
  "$BUILD_DIR/bin/tessera-compile" "$out/tiny_cnn.onnx" --emit=nn \
    --input-shape input=1,3,32,32 --elide-weights -o "$out/tiny_cnn.nn.mlir"
  grep -oE '= nn\.[a-z_0-9]+' "$out/tiny_cnn.nn.mlir" | sort | uniq -c | sort -rn
  echo "== tessera-compile --target=cpu (float reference path)"
  "$BUILD_DIR/bin/tessera-compile" "$out/tiny_cnn.onnx" --target=cpu \
    --input-shape input=1,3,32,32 -o "$out/tiny_cnn.cpu"
  echo "== tessera-run on a random input, checked against numpy"
  /usr/bin/python3 - "$out" <<'PY'
import os, sys, numpy as np, onnx
from onnx import numpy_helper
out = sys.argv[1]
x = np.random.default_rng(0).standard_normal((1, 3, 32, 32)).astype(np.float32)
np.save(out + "/input.npy", x)
# Calibration inputs for the int8 compiles below.
os.makedirs(out + "/calibration", exist_ok=True)
for i in range(8):
    np.save(out + "/calibration/%04d.npy" % i,
            np.random.default_rng(100 + i).standard_normal((1, 3, 32, 32)).astype(np.float32))
# A numpy reference of tiny_cnn, from its initializers.
w = {t.name: numpy_helper.to_array(t) for t in onnx.load(out + "/tiny_cnn.onnx").graph.initializer}
def conv(x, W, b, stride=1):
    n, c, h, wd = x.shape; f = W.shape[0]; xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    oh, ow = (h + 2 - 3) // stride + 1, (wd + 2 - 3) // stride + 1
    y = np.zeros((n, f, oh, ow), np.float64)
    for i in range(3):
        for j in range(3):
            patch = xp[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
            y += np.einsum("nchw,fc->nfhw", patch, W[:, :, i, j])
    return y + b[None, :, None, None]
y = conv(x, w["stem.w"], w["stem.b"], 2)
y = (y - w["bn.mean"][None, :, None, None]) / np.sqrt(w["bn.var"][None, :, None, None] + 1e-5) \
    * w["bn.scale"][None, :, None, None] + w["bn.bias"][None, :, None, None]
y = np.maximum(y, 0)
y = y.reshape(1, 16, 8, 2, 8, 2).max(axis=(3, 5))
z = np.maximum(conv(y, w["block.conv1.w"], w["block.conv1.b"]), 0)
z = conv(z, w["block.conv2.w"], w["block.conv2.b"])
y = np.maximum(y + z, 0).mean(axis=(2, 3))
np.save(out + "/expected.npy", (y @ w["fc.w"].T + w["fc.b"]).astype(np.float32))
PY
  "$BUILD_DIR/bin/tessera-run" "$out/tiny_cnn.cpu" --input "input=$out/input.npy" \
    --expect "logits=$out/expected.npy"
  local quant=(--input-shape input=1,3,32,32 --quantize=int8
               --calibration="$out/calibration"
               --calibration-cache="$out/calibration.json")
  echo "== the main job: compile for the default NPU (edge preset), int8"
  echo "   (calibrated on 8 inputs; the CPU int8 build below shares the statistics)"
  "$BUILD_DIR/bin/tessera-compile" "$out/tiny_cnn.onnx" "${quant[@]}" \
    --target=npu --report=placement -o "$out/tiny_cnn.npu"
  echo "== the CPU int8 reference: the same integer graph on the host"
  "$BUILD_DIR/bin/tessera-compile" "$out/tiny_cnn.onnx" "${quant[@]}" \
    --target=cpu -o "$out/tiny_cnn.int8"
  "$BUILD_DIR/bin/tessera-run" "$out/tiny_cnn.int8" --input "input=$out/input.npy" \
    --expect "logits=$out/expected.npy" --atol 0.05 --rtol 0.05 \
    --output-dir "$out/int8"
  echo "== tessera-run on the NPU simulator: per-layer report, checked bit for bit"
  echo "   against the CPU int8 reference"
  "$BUILD_DIR/bin/tessera-run" "$out/tiny_cnn.npu" --input "input=$out/input.npy" \
    --expect "logits=$out/int8/logits.npy" --atol 0 --rtol 0 \
    --npu-report --npu-report-json "$out/npu-report.json" \
    --npu-trace "$out/npu-trace.json"
  echo "   (reports: $out/npu-report.json; timeline for Perfetto: $out/npu-trace.json)"
}

cmd=${1:-test}
install_missing
build
case "$cmd" in
  build) ;;
  demo) demo ;;
  test) cmake --build "$BUILD_DIR" --target check-tessera
        build_fuzz
        cmake --build "$FUZZ_BUILD_DIR" --target check-tessera-fuzz ;;
  fuzz) build_fuzz
        cmake --build "$FUZZ_BUILD_DIR" --target check-tessera-fuzz ;;
  *) echo "usage: tools/dev.sh demo|test|build|fuzz" >&2; exit 2 ;;
esac
