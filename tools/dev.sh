#!/usr/bin/env bash
#===- tools/dev.sh - set up, build, demo and test Tessera --------------===//
#
#   tools/dev.sh demo   install what is missing, build, run the main job on the
#                       bundled example model
#   tools/dev.sh test   install what is missing, build, run every test
#   tools/dev.sh build  install what is missing and build only
#
# Idempotent and non-interactive: installs only the Debian packages that are
# missing, reuses an existing build directory (BUILD_DIR, default ./build).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
LLVM_BIN=/usr/lib/llvm-22/bin

PACKAGES=(cmake ninja-build ccache g++ git
          llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
          libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata
          python3-onnx python3-numpy)

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

demo() {
  local out="$BUILD_DIR/demo"
  mkdir -p "$out"
  echo "== example model: tiny_cnn.onnx (python/scripts/make_example.py; dynamic batch)"
  /usr/bin/python3 "$ROOT/python/scripts/make_example.py" "$out/tiny_cnn.onnx"
  echo "== tessera-compile --emit=nn --input-shape input=1,3,32,32"
  echo "   (the furthest stage built so far; the NPU back end and simulator come next)"
  "$BUILD_DIR/bin/tessera-compile" "$out/tiny_cnn.onnx" --emit=nn \
    --input-shape input=1,3,32,32 --elide-weights -o "$out/tiny_cnn.nn.mlir"
  cat "$out/tiny_cnn.nn.mlir"
  echo "== nn ops in the compiled model:"
  grep -oE '= nn\.[a-z_0-9]+' "$out/tiny_cnn.nn.mlir" | sort | uniq -c | sort -rn
}

cmd=${1:-test}
install_missing
build
case "$cmd" in
  build) ;;
  demo) demo ;;
  test) cmake --build "$BUILD_DIR" --target check-tessera ;;
  *) echo "usage: tools/dev.sh demo|test|build" >&2; exit 2 ;;
esac
