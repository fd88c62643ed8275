#!/usr/bin/env python3
"""GPU back end on whole models: PTX, ptxas, tensor cores, emulation numerics.

gpu_models.py BUILD --model-dir DIR [--models resnet50,mobilenet_v2,transformer]
    [--configs sm_90:fp32,sm_90:fp16,sm_90a:fp16] [--emulate] [--work-dir W]

The models are exported by python/scripts/export_torch_models.py (random
weights). For every model and configuration (CHIP:PRECISION) it compiles
`tessera-compile --target=gpu --gpu-chip=CHIP --gpu-precision=PRECISION
--emit=ptx -o F.ptx --report=kernels --report-json=F.json` (wall time and
the child's peak RSS; the kernels report needs the ptx stage, so one compile
gives both, and the llvm and obj stages after it are not timed), assembles
F.ptx with the CUDA toolkit's `ptxas -v` when there is one, and prints a
Markdown table: kernels, GEMM kernels (strategy gemm-*), tensor-core GEMM
kernels (gemm-mma, gemm-wgmma), kernels ptxas reports spills for, the most
registers a kernel uses, a census of PTX instructions (static counts of
mma.sync, wgmma.mma_async, ldmatrix, fma.rn.f32, ld.shared), the kernel
report's roofline total, compile seconds and peak RSS.

It fails (exit 1, with the reason) when a compile fails, when ptxas rejects
the PTX or reports a spill, when a GEMM kernel of an fp16 configuration that
computes an ONNX Conv, MatMul or Gemm is not a tensor-core kernel, or when the
PTX of sm_90a fp16 has no wgmma.mma_async.

With --emulate, for every model it also compiles `--target=gpu-emulate` (the
GPU back end's tiled loop nest, run on the CPU) and `--target=cpu`, runs both
with `tessera-run` on the same seeded random input, and prints the max
absolute and relative differences; it fails unless every output element
satisfies |emu - cpu| <= atol * scale + rtol * |cpu| (rtol 1e-3, atol 1e-4,
scale = max |cpu| of that output). Needs numpy and onnx (Debian's
/usr/bin/python3).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measure import run_measured  # noqa: E402
import time

import numpy as np
import onnx

INPUTS = {
    "transformer": ("input", (1, 128, 256)),
}
DEFAULT_INPUT = ("input", (1, 3, 224, 224))
CHIPS = ("sm_80", "sm_86", "sm_89", "sm_90", "sm_90a")
PRECISIONS = ("fp32", "fp16")
# Opcode prefixes counted in the PTX (static instruction counts).
CENSUS = ("mma.sync", "wgmma.mma_async", "ldmatrix", "fma.rn.f32",
          "ld.shared")
TENSOR_CORE_STRATEGIES = ("gemm-mma", "gemm-wgmma")
GEMM_OPS = ("Conv", "MatMul", "Gemm")
RTOL, ATOL = 1e-3, 1e-4


def find_ptxas():
    path = shutil.which("ptxas")
    if path:
        return path
    home = os.environ.get("CUDA_HOME", "/usr/local/cuda")
    path = os.path.join(home, "bin", "ptxas")
    return path if os.access(path, os.X_OK) else None


def census(ptx_path):
    """Static count of each CENSUS opcode prefix in the PTX text."""
    counts = dict.fromkeys(CENSUS, 0)
    with open(ptx_path) as f:
        for line in f:
            text = line.strip()
            if not text or text.startswith("//") or text.startswith("."):
                continue
            if text.startswith("@"):
                parts = text.split(None, 1)
                if len(parts) < 2:
                    continue
                text = parts[1]
            opcode = text.split(None, 1)[0]
            for prefix in CENSUS:
                if opcode == prefix or opcode.startswith(prefix + "."):
                    counts[prefix] += 1
    return counts


ENTRY_RE = re.compile(r"Compiling entry function '([^']+)'")
REGS_RE = re.compile(r"Used (\d+) registers")
SPILL_RE = re.compile(r"(\d+) bytes spill stores, (\d+) bytes spill loads")


def run_ptxas(ptxas, chip, ptx_path):
    """ptxas -v on the PTX: (error text or None, {kernel: (registers,
    spill store bytes, spill load bytes)})."""
    proc = subprocess.run([ptxas, "-arch=" + chip, "-v", ptx_path, "-o",
                           os.devnull], capture_output=True, text=True)
    if proc.returncode:
        return (proc.stderr or proc.stdout)[-2000:], {}
    kernels, current = {}, None
    for line in (proc.stdout + proc.stderr).splitlines():
        m = ENTRY_RE.search(line)
        if m:
            current = m.group(1)
            kernels[current] = [0, 0, 0]
            continue
        if current is None:
            continue
        m = SPILL_RE.search(line)
        if m:
            kernels[current][1] = int(m.group(1))
            kernels[current][2] = int(m.group(2))
        m = REGS_RE.search(line)
        if m:
            kernels[current][0] = int(m.group(1))
    return None, kernels


def onnx_op_types(path):
    """ONNX node name -> op type."""
    model = onnx.load(path, load_external_data=False)
    return {node.name: node.op_type for node in model.graph.node}


def compare(emu_dir, cpu_dir):
    """(max abs diff, max rel diff, ok, number of outputs, largest |cpu|)
    over the outputs the CPU run wrote."""
    max_abs, max_rel, ok, count, largest = 0.0, 0.0, True, 0, 0.0
    for name in sorted(os.listdir(cpu_dir)):
        want = np.load(os.path.join(cpu_dir, name)).astype(np.float64)
        got_path = os.path.join(emu_dir, name)
        if not os.path.exists(got_path):
            return float("nan"), float("nan"), False, count, largest
        got = np.load(got_path).astype(np.float64)
        if got.shape != want.shape:
            return float("nan"), float("nan"), False, count, largest
        count += 1
        scale = float(np.max(np.abs(want))) if want.size else 0.0
        largest = max(largest, scale)
        diff = np.abs(got - want)
        if diff.size:
            max_abs = max(max_abs, float(np.max(diff)))
            floor = max(ATOL * scale, np.finfo(np.float32).tiny)
            max_rel = max(max_rel, float(np.max(
                diff / np.maximum(np.abs(want), floor))))
        ok &= bool(np.all(np.isfinite(got))) and bool(np.all(
            diff <= ATOL * scale + RTOL * np.abs(want)))
    return max_abs, max_rel, ok and count > 0, count, largest


def parse_configs(text):
    configs = []
    for item in text.split(","):
        if not item:
            continue
        chip, _, precision = item.partition(":")
        if chip not in CHIPS or precision not in PRECISIONS:
            sys.exit("gpu_models.py: bad configuration '%s' (expected CHIP:"
                     "PRECISION, CHIP one of %s, PRECISION fp32 or fp16)" %
                     (item, ", ".join(CHIPS)))
        configs.append((chip, precision))
    return configs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build")
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--models", default="resnet50,mobilenet_v2,transformer")
    parser.add_argument("--configs", default="sm_90:fp32,sm_90:fp16,sm_90a:fp16")
    parser.add_argument("--emulate", action="store_true")
    parser.add_argument("--work-dir", default="/tmp/tessera-gpu-models")
    args = parser.parse_args()
    compiler = os.path.join(args.build, "bin", "tessera-compile")
    runner = os.path.join(args.build, "bin", "tessera-run")
    configs = parse_configs(args.configs)
    models = [m for m in args.models.split(",") if m]
    os.makedirs(args.work_dir, exist_ok=True)
    ptxas = find_ptxas()
    print("ptxas: %s" % (ptxas if ptxas else "ptxas not found: not checked"))

    failures = []
    rows, emu_rows = [], []
    for model in models:
        onnx_path = os.path.join(args.model_dir, model + ".onnx")
        if not os.path.exists(onnx_path):
            failures.append("%s: %s not found" % (model, onnx_path))
            continue
        name, shape = INPUTS.get(model, DEFAULT_INPUT)
        work = os.path.join(args.work_dir, model)
        os.makedirs(work, exist_ok=True)
        op_types = onnx_op_types(onnx_path)
        shape_flag = "--input-shape=%s=%s" % (name, ",".join(map(str, shape)))
        for chip, precision in configs:
            tag = "%s/%s:%s" % (model, chip, precision)
            base = os.path.join(work, "%s-%s" % (chip, precision))
            ptx, report_path = base + ".ptx", base + ".json"
            proc, wall, rss = run_measured(
                [compiler, onnx_path, shape_flag, "--target=gpu",
                 "--gpu-chip=" + chip, "--gpu-precision=" + precision,
                 "--emit=ptx", "-o", ptx, "--report=kernels",
                 "--report-json=" + report_path])
            if proc.returncode:
                failures.append("%s: compile failed:\n%s" %
                                (tag, proc.stderr[-2000:]))
                continue
            with open(report_path) as f:
                report = json.load(f)
            kernels = report["kernels"]
            gemms = [k for k in kernels if k["strategy"].startswith("gemm")]
            tensor = [k for k in gemms
                      if k["strategy"] in TENSOR_CORE_STRATEGIES]
            counts = census(ptx)
            spills, max_regs = "not checked", None
            if ptxas:
                error, info = run_ptxas(ptxas, chip, ptx)
                if error:
                    failures.append("%s: ptxas rejected %s:\n%s" %
                                    (tag, ptx, error))
                else:
                    spilled = sorted(k for k, (_, st, ld) in info.items()
                                     if st or ld)
                    spills = str(len(spilled))
                    max_regs = max((r for r, _, _ in info.values()),
                                   default=0)
                    for k in spilled:
                        failures.append(
                            "%s: ptxas: kernel %s spills (%d bytes stores, "
                            "%d bytes loads)" % (tag, k, info[k][1],
                                                 info[k][2]))
                    if len(info) != len(kernels):
                        failures.append(
                            "%s: ptxas compiled %d kernels, the report "
                            "lists %d" % (tag, len(info), len(kernels)))
            else:
                regs = [k["registers"] for k in kernels
                        if k.get("registers") is not None]
                max_regs = max(regs) if regs else None
            if precision == "fp16":
                for k in gemms:
                    if k["strategy"] in TENSOR_CORE_STRATEGIES:
                        continue
                    ops = sorted({op_types.get(n, "") for n in k["nodes"]} &
                                 set(GEMM_OPS))
                    if ops:
                        failures.append(
                            "%s: kernel %s (%s, %s) is %s, not a tensor-core "
                            "kernel" % (tag, k["name"], ", ".join(k["nodes"]),
                                        "/".join(ops), k["strategy"]))
            if chip == "sm_90a" and precision == "fp16" and \
                    counts["wgmma.mma_async"] == 0:
                failures.append("%s: the PTX has no wgmma.mma_async" % tag)
            rows.append((model, chip, precision, len(kernels), len(gemms),
                         len(tensor), spills,
                         "-" if max_regs is None else str(max_regs), counts,
                         report["total"]["roofline_us"], wall, rss))

        if not args.emulate:
            continue
        x = os.path.join(work, "input.npy")
        np.save(x, np.random.default_rng(0).standard_normal(shape)
                .astype(np.float32))
        results = {}
        for target in ("gpu-emulate", "cpu"):
            artifact = os.path.join(work, target)
            proc, cwall, _ = run_measured(
                [compiler, onnx_path, shape_flag, "--target=" + target, "-o",
                 artifact])
            if proc.returncode:
                failures.append("%s: --target=%s compile failed:\n%s" %
                                (model, target, proc.stderr[-2000:]))
                break
            out = os.path.join(work, target + "-out")
            shutil.rmtree(out, ignore_errors=True)
            t0 = time.time()
            run = subprocess.run([runner, artifact, "--input=%s=%s" % (name, x),
                                  "--output-dir=" + out],
                                 capture_output=True, text=True)
            rwall = time.time() - t0
            if run.returncode:
                failures.append("%s: %s run failed:\n%s" %
                                (model, target, run.stderr[-2000:]))
                break
            results[target] = (out, cwall, rwall)
        if len(results) != 2:
            continue
        max_abs, max_rel, ok, count, largest = compare(results["gpu-emulate"][0],
                                              results["cpu"][0])
        if not ok:
            failures.append(
                "%s: gpu-emulate differs from cpu (max abs %.3g, max rel "
                "%.3g; rtol %g, atol %g of the output's scale)" %
                (model, max_abs, max_rel, RTOL, ATOL))
        emu_rows.append((model, count, largest, max_abs, max_rel, ok,
                         results["gpu-emulate"][1], results["gpu-emulate"][2],
                         results["cpu"][2]))

    print("\n| model | chip | precision | kernels | GEMM kernels "
          "| tensor-core GEMM kernels | kernels with spills | max registers "
          "| %s | roofline µs | compile s | RSS MB |" % " | ".join(CENSUS))
    print("|---" * (11 + len(CENSUS)) + "|")
    for r in rows:
        print("| %s | %s | %s | %d | %d | %d | %s | %s | %s | %.1f | %.1f "
              "| %.0f |" % (r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7],
                            " | ".join(str(r[8][c]) for c in CENSUS), r[9],
                            r[10], r[11]))
    if args.emulate:
        print("\n| model | outputs | max abs output | max abs diff "
              "| max rel diff | rtol %g / atol %g | emulate compile s "
              "| emulate run s | cpu run s |" % (RTOL, ATOL))
        print("|---|---|---|---|---|---|---|---|---|")
        for r in emu_rows:
            print("| %s | %d | %.3g | %.3g | %.3g | %s | %.1f | %.2f | %.2f |"
                  % (r[0], r[1], r[2], r[3], r[4], "pass" if r[5] else "FAIL",
                     r[6], r[7], r[8]))
    for failure in failures:
        print("\nFAIL: " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
