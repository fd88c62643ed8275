#!/usr/bin/env python3
"""NPU compilation of real models: bit-exactness, utilization, cost model.

npu_bench.py BUILD --model-dir DIR [--models resnet50,mobilenet_v2,transformer]
    [--presets edge,mid,large,nonsquare] [--num-calibration 4] [--work-dir W]
    [--compare-greedy]

For every model: calibrates once (random inputs; the statistics cache is
shared by every compile, so the CPU and the NPU run the same integer graph),
compiles `--target=cpu` and `--target=npu --hw=PRESET` for each preset
(`nonsquare` is edge with a 16 x 32 array; `edge-wb1` edge with one weight
register per PE, the ISA v1 array; `x64` a 64 x 64 array like edge with
edge's DRAM bandwidth,
`x64-bw` with 4x the bandwidth), measuring compile wall time and
peak RSS, runs both with `tessera-run` on one input and compares the outputs
**bit for bit**, and reads the NPU run's report (`--npu-report-json`):
model-wide MAC utilization, simulated cycles, the host/NPU split, and the
cost model's per-layer error against the simulator (median, 90th
percentile, worst). With --compare-greedy, also compiles each point with
`--npu-tiling=greedy` (the Gemmini baseline), runs it, and compares the
simulated cycles layer by layer: layers the search makes faster, equal,
slower, the worst loss and the model-wide speed-up. Also prints, per model
and preset, MAC utilization by layer kind (read from the ONNX graph: conv
KxK, stride, depthwise; matmul; pools; elementwise) and the distribution of
the cost model's per-layer error. With --max-layer-error E the script fails
when any NPU layer's predicted cycles are off the simulated ones by more than
E (a fraction) or a layer has no prediction (the check
test/Codegen/NPU/cost-model-models.test runs in CI). Needs numpy and onnx.
"""
import argparse
import json
import os
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

# Hardware points beyond the presets: edge with one weight register per PE, and
# 64 x 64 arrays (SRAMs x16) with edge's DRAM bandwidth and with it scaled
# by the array's width.
EXTRA_POINTS = {
    "edge-wb1": """name: edge-wb1
clock_mhz: 1000
array:
  rows: 16
  cols: 16
  weight_buffers: 1
scratchpad:
  kib: 256
  banks: 4
accumulator:
  kib: 64
  banks: 2
dram:
  bytes_per_cycle: 16
  latency_cycles: 100
queues:
  store: 2
""",
    "x64": None,
    "x64-bw": None,
}

def x64(name, bandwidth):
    return """name: %s
clock_mhz: 1000
array:
  rows: 64
  cols: 64
  weight_buffers: 2
scratchpad:
  kib: 4096
  banks: 4
accumulator:
  kib: 1024
  banks: 2
dma:
  bytes_per_cycle: %d
dram:
  bytes_per_cycle: %d
  latency_cycles: 100
""" % (name, bandwidth, bandwidth)


EXTRA_POINTS["x64"] = x64("x64", 16)
EXTRA_POINTS["x64-bw"] = x64("x64-bw", 64)

NONSQUARE = """name: nonsquare
clock_mhz: 1000
array:
  rows: 16
  cols: 32
  weight_buffers: 2
scratchpad:
  kib: 512
accumulator:
  kib: 128
dram:
  bytes_per_cycle: 16
  latency_cycles: 100
"""


def percentile(values, q):
    if not values:
        return float("nan")
    return float(np.percentile(np.array(values, np.float64), q))


def layer_errors(report):
    """|predicted - simulated| / simulated cycles of every NPU layer."""
    return [abs(layer["cycle_error"]) for layer in report.get("layers", [])
            if layer.get("cycle_error") is not None]


def onnx_kinds(path):
    """ONNX node name -> layer kind label ("conv 3x3", "conv 1x1 s2",
    "depthwise 3x3", "matmul", the op type otherwise)."""
    model = onnx.load(path, load_external_data=False)
    channels = {}
    for init in model.graph.initializer:
        channels[init.name] = list(init.dims)
    kinds = {}
    for node in model.graph.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a)
                 for a in node.attribute}
        if node.op_type == "Conv":
            k = attrs.get("kernel_shape", [1, 1])
            s = attrs.get("strides", [1, 1])
            group = attrs.get("group", 1)
            w = channels.get(node.input[1], [0, 0])
            depthwise = group > 1 and w[1] == 1
            label = "%s %dx%d" % ("depthwise" if depthwise else
                                  ("grouped conv" if group > 1 else "conv"),
                                  k[0], k[1])
            if max(s) > 1:
                label += " s%d" % max(s)
            kinds[node.name] = label
        elif node.op_type in ("Gemm", "MatMul"):
            kinds[node.name] = "matmul"
        else:
            kinds[node.name] = node.op_type
    return kinds


ERROR_BINS = [0.005, 0.01, 0.02, 0.05]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build")
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--models", default="resnet50,mobilenet_v2,transformer")
    parser.add_argument("--presets", default="edge,mid,large,nonsquare")
    parser.add_argument("--num-calibration", type=int, default=4)
    parser.add_argument("--work-dir", default="/tmp/tessera-npu-bench")
    parser.add_argument("--compare-greedy", action="store_true")
    parser.add_argument("--max-layer-error", type=float, default=None)
    args = parser.parse_args()
    compiler = os.path.join(args.build, "bin", "tessera-compile")
    runner = os.path.join(args.build, "bin", "tessera-run")
    os.makedirs(args.work_dir, exist_ok=True)
    points = {}
    for name, text in dict(EXTRA_POINTS, nonsquare=NONSQUARE).items():
        points[name] = os.path.join(args.work_dir, name + ".yaml")
        with open(points[name], "w") as f:
            f.write(text)

    rows, greedy_rows, kind_rows, error_rows, bound_rows = [], [], [], [], []
    failed = False
    for model in args.models.split(","):
        onnx_path = os.path.join(args.model_dir, model + ".onnx")
        name, shape = INPUTS.get(model, DEFAULT_INPUT)
        work = os.path.join(args.work_dir, model)
        calib = os.path.join(work, "calibration")
        os.makedirs(calib, exist_ok=True)
        rng = np.random.default_rng(0)
        for i in range(args.num_calibration):
            np.save(os.path.join(calib, "%04d.npy" % i),
                    rng.standard_normal(shape).astype(np.float32))
        x = os.path.join(work, "input.npy")
        np.save(x, np.random.default_rng(1).standard_normal(shape)
                .astype(np.float32))
        cache = os.path.join(work, "stats.json")
        kinds = onnx_kinds(onnx_path)
        common = [onnx_path, "--input-shape=%s=%s" %
                  (name, ",".join(map(str, shape))), "--quantize=int8",
                  "--calibration=" + calib, "--calibration-cache=" + cache]
        cpu_dir = os.path.join(work, "cpu")
        proc, cpu_wall, cpu_rss = run_measured(
            [compiler] + common + ["--target=cpu", "-o", cpu_dir])
        if proc.returncode:
            print("%s: cpu compile failed:\n%s" % (model, proc.stderr[-2000:]))
            failed = True
            continue
        cpu_out = os.path.join(work, "cpu_out")
        subprocess.run([runner, cpu_dir, "--input", "%s=%s" % (name, x),
                        "--output-dir", cpu_out], check=True,
                       capture_output=True)
        for preset in args.presets.split(","):
            hw = points.get(preset, preset)
            npu_dir = os.path.join(work, "npu-" + preset)
            proc, wall, rss = run_measured(
                [compiler] + common + ["--target=npu", "--hw=" + hw,
                                       "-o", npu_dir])
            if proc.returncode:
                print("%s/%s: npu compile failed:\n%s" %
                      (model, preset, proc.stderr[-2000:]))
                failed = True
                continue
            out = os.path.join(work, "npu_out-" + preset)
            report_path = os.path.join(work, "report-%s.json" % preset)
            t0 = time.time()
            run = subprocess.run([runner, npu_dir, "--input",
                                  "%s=%s" % (name, x), "--output-dir", out,
                                  "--npu-report-json=" + report_path],
                                 capture_output=True, text=True)
            sim_wall = time.time() - t0
            if run.returncode:
                print("%s/%s: run failed:\n%s" %
                      (model, preset, run.stderr[-2000:]))
                failed = True
                continue
            mismatches, total = 0, 0
            for f in sorted(os.listdir(cpu_out)):
                a = np.load(os.path.join(cpu_out, f))
                b = np.load(os.path.join(out, f))
                mismatches += int(np.sum(a.view(np.uint8) != b.view(np.uint8)))
                total += a.nbytes
            with open(report_path) as f:
                report = json.load(f)
            totals = report["total"]
            split = report["split"]
            errors = layer_errors(report)
            rows.append((model, preset, mismatches, total,
                         totals["mac_utilization"], totals["cycles"],
                         split["npu_layers"], split["host_ops"],
                         percentile(errors, 50), percentile(errors, 90),
                         max(errors) if errors else float("nan"),
                         wall, rss, cpu_wall, cpu_rss, sim_wall))
            failed |= mismatches != 0
            by_kind = {}
            for layer in report["layers"]:
                anchor = layer["name"].split("+")[0]
                kind = kinds.get(anchor, "other")
                entry = by_kind.setdefault(kind, [0, 0, 0])
                entry[0] += 1
                entry[1] += layer["macs"]
                entry[2] += layer["cycles"]
            peak = report["hardware"]["peak_macs_per_cycle"]
            for kind, (count, macs, cycles) in sorted(by_kind.items()):
                kind_rows.append((model, preset, kind, count, macs, cycles,
                                  macs / max(1, cycles * peak),
                                  cycles / max(1, totals["cycles"])))
            bounds = {}
            for layer in report["layers"]:
                entry = bounds.setdefault(layer["bound"], [0, 0])
                entry[0] += 1
                entry[1] += layer["cycles"]
            bound_rows.append((model, preset, totals["cycles"], bounds))
            bins = [0] * (len(ERROR_BINS) + 1)
            for e in errors:
                bins[sum(e >= b for b in ERROR_BINS)] += 1
            uncosted = [l["name"] for l in report["layers"]
                        if l.get("cycle_error") is None]
            error_rows.append((model, preset, bins, len(uncosted)))
            if args.max_layer_error is not None:
                for layer in report["layers"]:
                    e = layer.get("cycle_error")
                    if e is None or abs(e) > args.max_layer_error:
                        print("%s/%s: layer %s: predicted %s, simulated %d "
                              "cycles (bound %.1f%%)" %
                              (model, preset, layer["name"],
                               layer.get("predicted_cycles"), layer["cycles"],
                               100 * args.max_layer_error))
                        failed = True
            if args.compare_greedy:
                gdir = os.path.join(work, "greedy-" + preset)
                greport = os.path.join(work, "greedy-report-%s.json" % preset)
                proc, _, _ = run_measured(
                    [compiler] + common + ["--target=npu", "--hw=" + hw,
                                           "--npu-tiling=greedy", "-o", gdir])
                grun = subprocess.run(
                    [runner, gdir, "--input", "%s=%s" % (name, x),
                     "--expect", "#0=" + os.path.join(
                         cpu_out, sorted(os.listdir(cpu_out))[0]),
                     "--atol", "0", "--rtol", "0",
                     "--npu-report-json=" + greport],
                    capture_output=True, text=True) if not proc.returncode \
                    else proc
                if grun.returncode:
                    print("%s/%s: greedy failed:\n%s" %
                          (model, preset, grun.stderr[-2000:]))
                    failed = True
                    continue
                with open(greport) as f:
                    greedy = {(l["program"], l["name"]): l["cycles"]
                              for l in json.load(f)["layers"]}
                wins = ties = losses = 0
                # Layers the greedy policy (Gemmini's, for convolutions and
                # matrix products) applies to, and the search wins there.
                eligible = eligible_wins = 0
                worst = 0.0
                for layer in report["layers"]:
                    g = greedy.get((layer["program"], layer["name"]))
                    if g is None:
                        continue
                    s = layer["cycles"]
                    kind = kinds.get(layer["name"].split("+")[0], "other")
                    if kind == "matmul" or "conv" in kind or \
                            kind.startswith("depthwise"):
                        eligible += 1
                        eligible_wins += s < g
                    wins += s < g
                    ties += s == g
                    losses += s > g
                    worst = max(worst, (s - g) / g)
                with open(greport) as f:
                    gtotal = json.load(f)["total"]["cycles"]
                greedy_rows.append((model, preset, wins, ties, losses, worst,
                                    gtotal, totals["cycles"], eligible_wins,
                                    eligible))

    print("\n| model | preset | output bytes differing | MAC utilization "
          "| simulated cycles | NPU layers | host ops | cost-model error "
          "median / p90 / worst | compile s (cpu) | peak RSS MiB (cpu) "
          "| run s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| %s | %s | %d of %d | %.1f%% | %d | %s | %s | %.1f%% / %.1f%% "
              "/ %.1f%% | %.1f (%.1f) | %.0f (%.0f) | %.1f |" %
              (r[0], r[1], r[2], r[3], 100 * r[4], r[5], r[6], r[7],
               100 * r[8], 100 * r[9], 100 * r[10], r[11], r[13], r[12],
               r[14], r[15]))
    print("\n| model | preset | layer kind | layers | MACs | simulated cycles "
          "| MAC utilization | share of cycles |")
    print("|---|---|---|---|---|---|---|---|")
    for r in kind_rows:
        print("| %s | %s | %s | %d | %d | %d | %.1f%% | %.1f%% |" %
              (r[0], r[1], r[2], r[3], r[4], r[5], 100 * r[6], 100 * r[7]))
    print("\n| model | preset | simulated cycles | what bounds the layers: "
          "layers, share of cycles |")
    print("|---|---|---|---|")
    for r in bound_rows:
        print("| %s | %s | %d | %s |" % (r[0], r[1], r[2], ", ".join(
            "%s %d, %.1f%%" % (b, n, 100.0 * c / max(1, r[2]))
            for b, (n, c) in sorted(r[3].items()))))
    print("\n| model | preset | layers by cost-model error: < 0.5% | 0.5-1% "
          "| 1-2% | 2-5% | > 5% | without a prediction |")
    print("|---|---|---|---|---|---|---|---|")
    for r in error_rows:
        print("| %s | %s | %s | %d |" %
              (r[0], r[1], " | ".join(str(b) for b in r[2]), r[3]))
    if greedy_rows:
        print("\n| model | preset | layers faster than greedy | equal | slower "
              "| worst loss | conv/matmul layers faster | greedy cycles "
              "| search cycles | speed-up |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for r in greedy_rows:
            print("| %s | %s | %d | %d | %d | %.1f%% | %d of %d | %d | %d "
                  "| %.2fx |" %
                  (r[0], r[1], r[2], r[3], r[4], 100 * r[5], r[8], r[9],
                   r[6], r[7], r[6] / r[7]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
