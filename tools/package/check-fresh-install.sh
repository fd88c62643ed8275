#!/usr/bin/env bash
#===- tools/package/check-fresh-install.sh - the .deb on a fresh Debian 12 -===//
#
#   tools/package/check-fresh-install.sh TESSERA.deb [ROOT]
#
# Installs the Debian package into a fresh, minimal Debian 12 root made by
# debootstrap (default ROOT: a new temporary directory), the way a user's
# `apt install ./tessera_*.deb` would: apt pulls every dependency from the
# Debian mirror. Then, inside that root, it runs each tool's --version,
# compiles the bundled example model for x86-64-v3 with the installed
# tessera-compile, runs it with tessera-run, builds docs/examples/run-model
# against the installed runtime with find_package(Tessera), runs it, and
# checks that its outputs equal tessera-run's, using the packaged Python
# module. Needs root, debootstrap and the Debian mirror; takes about a
# minute. Not part of `tools/dev.sh test` (it writes a whole system root);
# docs/deployment.md shows a run.
set -euo pipefail
ROOT_DIR=$(cd "$(dirname "$0")/../.." && pwd)
DEB=${1:?usage: check-fresh-install.sh TESSERA.deb [ROOT]}
DEB=$(cd "$(dirname "$DEB")" && pwd)/$(basename "$DEB")
[ -f "$DEB" ] || { echo "check-fresh-install: $DEB: no such file" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "check-fresh-install: needs root (debootstrap, chroot)" >&2; exit 2; }
command -v debootstrap >/dev/null ||
  { echo "check-fresh-install: needs debootstrap (apt-get install debootstrap)" >&2; exit 2; }
ROOT=${2:-$(mktemp -d /tmp/tessera-fresh-root.XXXXXX)}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# Commands in the root get a clean environment: the caller's TMPDIR and the
# like name directories that do not exist there.
in_root() {
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 chroot "$ROOT" "$@"
}

echo "== debootstrap bookworm (minbase) into $ROOT"
debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" > "$ROOT.debootstrap.log" 2>&1 ||
  { echo "check-fresh-install: debootstrap failed, see $ROOT.debootstrap.log" >&2; exit 1; }
cat > "$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
mkdir -p "$ROOT/work"
cp "$DEB" "$ROOT/work/"
cp -r "$ROOT_DIR/docs/examples/run-model" "$ROOT/work/run-model"
/usr/bin/python3 "$ROOT_DIR/python/scripts/make_example.py" "$ROOT/work/tiny_cnn.onnx" > /dev/null

echo "== apt install ./$(basename "$DEB") (and its dependencies) in the fresh root"
in_root sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq /work/$(basename "$DEB")" > "$ROOT.apt.log" 2>&1 ||
  { echo "check-fresh-install: apt install failed, see $ROOT.apt.log" >&2; exit 1; }
grep -c '^Setting up' "$ROOT.apt.log" | sed 's/^/   packages set up: /'

echo "== the installed tools, a model, the example application"
in_root sh -ec '
  for t in compile opt run sim translate explore; do tessera-$t --version | head -1; done
  cd /work
  tessera-compile tiny_cnn.onnx --input-shape input=1,3,32,32 --cpu=x86-64-v3 -o tiny.cpu
  python3 -c "import numpy as np; x = np.linspace(-1, 1, 3072, dtype=np.float32); x.tofile(\"in.bin\"); np.save(\"in.npy\", x.reshape(1, 3, 32, 32))"
  tessera-run tiny.cpu --input input=in.npy --output-dir ref > /dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends cmake make gcc libc6-dev > /dev/null 2>&1
  cmake -S run-model -B ex > ex.log 2>&1 && cmake --build ex >> ex.log 2>&1
  mkdir -p out && ex/run-model tiny.cpu -o out in.bin
  python3 -c "
import numpy as np, tessera
got = np.fromfile(\"out/0.bin\", np.float32)
want = np.load(\"ref/logits.npy\").ravel()
assert got.shape == want.shape and (got == want).all(), (got, want)
print(\"run-model outputs equal tessera-run outputs:\", got.size, \"values; python module\", tessera.__name__)
"'
echo "== ok: $(basename "$DEB") installs and runs on a fresh Debian 12 ($ROOT)"
