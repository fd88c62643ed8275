#!/usr/bin/env python3
# ===- gpu_bench.py - Tessera GPU GEMM throughput ---------------------------=== #
#
# A benchmark, not a test. For each shape, builds an ONNX model C = A @ B with
# A [M, K] f32 an input and B [K, N] f32 a random constant (numpy + onnx,
# cached in WORK/models), compiles it with
# `tessera-compile --target=gpu --gpu-chip=CHIP --gpu-precision=P` for each
# precision (fp16 on --gpu-chip, sm_90a by default; fp32 on the same chip
# without its architecture-specific suffix, sm_90), and:
#
#  * with an NVIDIA GPU (`nvidia-smi -L` lists one): checks the output against
#    numpy (`tessera-run --input --expect`, rtol 1e-2 for fp16, 1e-3 for
#    fp32, atol the same fraction of C's standard deviation), times
#    `tessera-run --random-inputs --benchmark N --gpu-profile` and prints per
#    shape the GEMM kernel's median time (from the per-kernel JSON lines of
#    --gpu-profile: {"kernel", "launches", "total_ms", "min_ms",
#    "median_ms"}), its TFLOP/s = 2MNK / t, the fraction of the chip's peak
#    (dense f16 tensor for fp16, fp32 for fp32) and the end-to-end median
#    (tessera-run's `latency: median`, host-device copies included);
#  * without one: says so, compiles every shape with `--report=kernels`
#    (ptxas's registers and spills, occupancy, roofline time of each kernel)
#    where tessera-compile has it, prints the GEMM kernel's figures and exits
#    0 when every compile succeeded.
#
# Usage: /usr/bin/python3 bench/gpu_bench.py [BUILD_DIR] [--gpu-chip sm_90a]
#            [--precision fp16,fp32] [--shapes 1024,2048,4096,8192 | MxKxN,..]
#            [--runs N] [--work-dir W] [--compile-only]
#
# ===----------------------------------------------------------------------=== #
import argparse
import json
import os
import re
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")

# Peak dense f16 tensor-core (f32 accumulation) and fp32 TFLOP/s of the part
# each chip stands for, as in lib/Codegen/GPU/GPUTarget.cpp (docs/gpu.md,
# "Target descriptions").
PEAKS = {
    "sm_80": ("NVIDIA A100 SXM4 80GB", 312.0, 19.5),
    "sm_86": ("NVIDIA RTX A6000", 154.8, 38.7),
    "sm_89": ("NVIDIA L40S", 362.05, 91.6),
    "sm_90": ("NVIDIA H100 SXM5 80GB", 989.4, 66.9),
    "sm_90a": ("NVIDIA H100 SXM5 80GB", 989.4, 66.9),
}
TOLERANCE = {"fp16": 1e-2, "fp32": 1e-3}


def parse_shapes(text):
    """"4096" is 4096^3; "MxKxN" one shape."""
    shapes = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        dims = [int(d) for d in item.lower().split("x")]
        if len(dims) == 1:
            dims *= 3
        if len(dims) != 3 or min(dims) <= 0:
            raise ValueError("bad shape '%s' (N or MxKxN)" % item)
        shapes.append(tuple(dims))
    return shapes


def has_gpu():
    try:
        p = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True,
                           timeout=60)
    except (OSError, subprocess.SubprocessError):
        return False, ""
    lines = [l for l in p.stdout.splitlines() if l.startswith("GPU")]
    return p.returncode == 0 and bool(lines), (lines[0] if lines else "")


def weights(k, n):
    """B, reproducible per shape, scaled so that C's entries stay near 1."""
    rng = np.random.default_rng(1000003 * k + n)
    return (rng.uniform(-1, 1, (k, n)) / np.sqrt(k)).astype(np.float32)


def make_model(path, m, k, n):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    if os.path.exists(path):
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["A", "B"], ["C"], name="gemm")],
        "gemm_%dx%dx%d" % (m, k, n),
        [helper.make_tensor_value_info("A", TensorProto.FLOAT, [m, k])],
        [helper.make_tensor_value_info("C", TensorProto.FLOAT, [m, n])],
        [numpy_helper.from_array(weights(k, n), "B")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    tmp = path + ".tmp"
    onnx.save(model, tmp)
    os.replace(tmp, path)


def first_line(text):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[0][:120] if lines else ""


def report_unsupported(stderr):
    """tessera-compile without --report=kernels (or its JSON) says so."""
    return re.search(r"report", stderr) is not None and (
        "unknown report" in stderr or "Unknown command line argument" in stderr
        or "needs" in stderr)


def compile_model(build, model, out, chip, precision, report):
    """Compiles; returns (ok, seconds, message, kernel report JSON or None,
    kernel report text)."""
    base = [os.path.join(build, "bin", "tessera-compile"), model, "--target=gpu",
            "--gpu-chip=" + chip, "--gpu-precision=" + precision, "-o", out]
    json_path = out + ".kernels.json"
    attempts = [base]
    if report:
        attempts = [base + ["--report=kernels", "--report-json=" + json_path],
                    base + ["--report=kernels"], base]
    note = ""
    for i, cmd in enumerate(attempts):
        if os.path.exists(json_path):
            os.remove(json_path)
        start = time.time()
        p = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.time() - start
        if p.returncode != 0 and i + 1 < len(attempts) and \
                report_unsupported(p.stderr):
            continue
        if p.returncode != 0:
            return False, seconds, first_line(p.stderr) or "exit %d" % p.returncode, \
                None, ""
        if report and cmd is base:
            note = "tessera-compile has no --report=kernels: ptxas step skipped"
        data = None
        if os.path.exists(json_path):
            try:
                with open(json_path) as f:
                    data = json.load(f)
            except (OSError, ValueError):
                data = None
            if not isinstance(data, dict) or not isinstance(data.get("kernels"), list):
                data = None
        return True, seconds, note, data, p.stdout
    return False, 0.0, "no attempt", None, ""


def gemm_report_kernel(report):
    """The GEMM kernel of a kernel report: a gemm-* strategy, else the most
    FLOPs."""
    if not report:
        return None
    kernels = [k for k in report["kernels"] if isinstance(k, dict)]
    gemms = [k for k in kernels if str(k.get("strategy", "")).startswith("gemm")]
    pool = gemms or kernels
    if not pool:
        return None
    return max(pool, key=lambda k: k.get("flops") or 0)


def parse_profile(text):
    """The --gpu-profile JSON lines: {kernel: {...}}; anything else ignored."""
    kernels = {}
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict) or "kernel" not in record:
            continue
        try:
            kernels[str(record["kernel"])] = {
                "launches": int(record.get("launches", 0)),
                "total_ms": float(record.get("total_ms", 0)),
                "median_ms": float(record.get("median_ms",
                                              record.get("min_ms", "nan"))),
            }
        except (TypeError, ValueError):
            continue
    return kernels


def gemm_profile_kernel(profile, report):
    """The GEMM's profile entry: the report's GEMM kernel when it was
    profiled, else the kernel with the most total time."""
    if not profile:
        return None, None
    named = gemm_report_kernel(report)
    if named and named.get("name") in profile:
        return named["name"], profile[named["name"]]
    name = max(profile, key=lambda k: profile[k]["total_ms"])
    return name, profile[name]


def run(build, args):
    return subprocess.run([os.path.join(build, "bin", "tessera-run")] + args,
                          capture_output=True, text=True)


def benchmark(build, art, runs):
    """(end-to-end median ms, profile, note); retries without --gpu-profile
    where tessera-run lacks it."""
    base = [art, "--random-inputs", "--benchmark", str(runs)]
    p = run(build, base + ["--gpu-profile"])
    note = ""
    if p.returncode != 0 and "gpu-profile" in p.stderr:
        p = run(build, base)
        note = "tessera-run has no --gpu-profile"
    if p.returncode != 0:
        return None, {}, first_line(p.stderr + p.stdout)
    m = re.search(r"median ([0-9.]+) ms", p.stdout)
    return (float(m.group(1)) if m else None), parse_profile(p.stdout + "\n" + p.stderr), note


def check(build, art, work, shape, precision):
    """Runs on one input against numpy; (ok, message)."""
    m, k, n = shape
    rng = np.random.default_rng(7)
    a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
    c = (a @ weights(k, n)).astype(np.float32)
    a_path = os.path.join(work, "A_%dx%d.npy" % (m, k))
    c_path = os.path.join(work, "C_%dx%dx%d.npy" % shape)
    np.save(a_path, a)
    np.save(c_path, c)
    rtol = TOLERANCE[precision]
    atol = rtol * float(np.std(c))
    p = run(build, [art, "--input", "A=" + a_path, "--expect", "C=" + c_path,
                    "--rtol", repr(rtol), "--atol", repr(atol)])
    for path in (a_path, c_path):
        os.remove(path)
    lines = [l for l in p.stdout.splitlines() if "max abs error" in l]
    message = lines[0].split(":", 1)[1].strip() if lines else first_line(p.stderr)
    return p.returncode == 0, message


def fmt(value, spec):
    return "-" if value is None else spec % value


def main():
    p = argparse.ArgumentParser(description="Tessera GPU GEMM throughput")
    p.add_argument("build", nargs="?", default=os.path.join(ROOT, "build"))
    p.add_argument("--gpu-chip", default="sm_90a", choices=sorted(PEAKS))
    p.add_argument("--precision", default="fp16,fp32",
                   help="fp16, fp32 or both (comma-separated)")
    p.add_argument("--shapes", default="4096",
                   help="N (N^3) or MxKxN, comma-separated")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--work-dir", default=None,
                   help="models and artifacts (default BUILD/bench-gpu)")
    p.add_argument("--compile-only", action="store_true",
                   help="do not run even where a GPU is present")
    a = p.parse_args()
    try:
        shapes = parse_shapes(a.shapes)
    except ValueError as e:
        p.error(str(e))
    precisions = [x.strip() for x in a.precision.split(",") if x.strip()]
    for x in precisions:
        if x not in TOLERANCE:
            p.error("bad precision '%s' (fp16, fp32)" % x)
    build = os.path.abspath(a.build)
    work = os.path.abspath(a.work_dir or os.path.join(build, "bench-gpu"))
    os.makedirs(work, exist_ok=True)

    gpu, gpu_name = has_gpu()
    compile_only = a.compile_only or not gpu
    if not gpu:
        print("no NVIDIA GPU here: compile-only (nvidia-smi -L lists none)")
    elif a.compile_only:
        print("%s: compile-only (--compile-only)" % gpu_name)
    else:
        print(gpu_name)

    failures = 0
    rows = []
    for shape in shapes:
        m, k, n = shape
        model = os.path.join(work, "models", "gemm_%dx%dx%d.onnx" % shape)
        make_model(model, m, k, n)
        for precision in precisions:
            # fp32 does not need the architecture-specific instructions.
            chip = a.gpu_chip if precision == "fp16" else a.gpu_chip.rstrip("a")
            art = os.path.join(work, "artifacts", "gemm_%dx%dx%d_%s_%s" %
                               (m, k, n, precision, chip))
            print("compiling %dx%dx%d %s for %s" % (m, k, n, precision, chip),
                  file=sys.stderr, flush=True)
            ok, seconds, note, report, report_text = compile_model(
                build, model, art, chip, precision, compile_only)
            row = {"shape": "%dx%dx%d" % shape, "precision": precision,
                   "chip": chip, "compile_s": seconds, "note": note}
            rows.append(row)
            if not ok:
                failures += 1
                row["note"] = "compile failed: " + note
                continue
            flops = 2.0 * m * n * k
            peak = PEAKS[chip][1 if precision == "fp16" else 2]
            kernel = gemm_report_kernel(report)
            if kernel:
                row["kernel"] = kernel.get("name")
                row["regs"] = kernel.get("registers")
                row["spills"] = (kernel.get("spill_store_bytes"),
                                 kernel.get("spill_load_bytes"))
                row["occupancy"] = kernel.get("occupancy")
                row["roofline_us"] = kernel.get("roofline_us")
                row["kernels"] = len(report["kernels"])
            elif report_text.strip() and compile_only:
                print(report_text.rstrip())
            if compile_only:
                continue
            good, message = check(build, art, work, shape, precision)
            if not good and "MISMATCH" not in message:
                message = "MISMATCH: " + message
            row["check"] = message or ("ok" if good else "MISMATCH")
            failures += not good
            e2e, profile, bench_note = benchmark(build, art, a.runs)
            row["e2e_ms"] = e2e
            if bench_note:
                row["note"] = (row["note"] + "; " if row["note"] else "") + bench_note
            if e2e is None:
                failures += 1
            name, entry = gemm_profile_kernel(profile, report)
            if entry and entry["median_ms"] == entry["median_ms"] and entry["median_ms"] > 0:
                t = entry["median_ms"] * 1e-3
                row["kernel"] = name
                row["kernel_ms"] = entry["median_ms"]
                row["tflops"] = flops / t / 1e12
                row["peak_fraction"] = row["tflops"] / peak

    if compile_only:
        print("%-16s %-5s %-7s %9s %-18s %5s %11s %6s %10s  %s" % (
            "shape", "prec", "chip", "compile s", "gemm kernel", "regs",
            "spill st/ld", "occ", "roof us", "note"))
        for r in rows:
            spills = r.get("spills")
            print("%-16s %-5s %-7s %9.1f %-18s %5s %11s %6s %10s  %s" % (
                r["shape"], r["precision"], r["chip"], r["compile_s"],
                r.get("kernel") or "-", fmt(r.get("regs"), "%d"),
                "%s/%s" % spills if spills and None not in spills else "-",
                fmt(r.get("occupancy") and r["occupancy"] * 100, "%.0f%%"),
                fmt(r.get("roofline_us"), "%.1f"), r["note"]))
    else:
        print("%-16s %-5s %-7s %-18s %10s %9s %7s %9s  %s" % (
            "shape", "prec", "chip", "gemm kernel", "kernel ms", "TFLOP/s",
            "% peak", "e2e ms", "check / note"))
        for r in rows:
            print("%-16s %-5s %-7s %-18s %10s %9s %7s %9s  %s" % (
                r["shape"], r["precision"], r["chip"], r.get("kernel") or "-",
                fmt(r.get("kernel_ms"), "%.3f"), fmt(r.get("tflops"), "%.1f"),
                fmt(r.get("peak_fraction") and r["peak_fraction"] * 100, "%.1f%%"),
                fmt(r.get("e2e_ms"), "%.3f"),
                "; ".join(x for x in (r.get("check", ""), r["note"]) if x)))
        print("peaks: %s: %.1f TFLOP/s dense f16 tensor, %.1f fp32" %
              PEAKS[a.gpu_chip])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
