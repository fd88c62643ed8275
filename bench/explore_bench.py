#!/usr/bin/env python3
"""Co-design explorer benchmarks and the documented studies (docs/explore.md).

explore_bench.py BUILD --model-dir DIR [--work-dir W] [--only KIND,...]

KIND (default: all of them, in this order):
  analytic   ResNet-50 mapped and costed in the analytic mode on one core
             (`taskset -c 0`): the first run (import, calibration with 2
             random inputs, quantization, then the point) and a warm run
             (prepared files reused: load the int8 module, place, tile,
             cost); goal <= 10 s. Alternates cold/warm runs, reports median
             and range of 3 each.
  sweep500   500 points (Latin hypercube over array rows/cols, scratchpad,
             accumulator, DRAM bandwidth and weight buffers) over ResNet-50
             and MobileNetV2 on 2 workers (`-j 2`), fidelity pareto (every
             point analytic, the Pareto candidates simulated); goal <= 10
             minutes on this 2-core machine. Prints the outcome counts, the
             simulated points' agreement, the wall time; runs the merge a
             second time into another directory and checks the merged files
             are byte-identical.
  python     the same sweep through the Python package (`tessera.explore.run`,
             a process pool of 2) into a third directory; results.json must
             be byte-identical to the tool's.
  study      the SCALE-Sim-style study: (1) square arrays 16..128 on the
             transformer at high DRAM bandwidth, (2) the same arrays at 4, 16
             and 64 B/cycle, (3) ResNet-50 from 16x16 to 64x64 with its
             utilization and bound; simulated fidelity. Prints the tables of
             docs/explore.md.

Models: DIR/{resnet50,mobilenet_v2,transformer}.onnx, exported with
python/scripts/export_torch_models.py (random weights: fine for shapes and
speed). Needs numpy.
"""
import argparse
import filecmp
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measure import run_measured  # noqa: E402

CNN_SHAPE = "input=1,3,224,224"
TRANSFORMER_SHAPE = "input=1,128,256"


def model_entry(model_dir, name):
    shape = TRANSFORMER_SHAPE if name == "transformer" else CNN_SHAPE
    return ("  - path: %s\n    name: %s\n    input_shapes: [\"%s\"]\n"
            "    calibration_samples: 2\n"
            % (os.path.join(model_dir, name + ".onnx"), name, shape))


def write_sweep(path, name, models, axes, extra=""):
    text = "name: %s\nhardware: edge\nmodels:\n%s" % (name, "".join(models))
    text += "axes:\n" + "".join("  %s: %s\n" % kv for kv in axes) + extra
    with open(path, "w") as f:
        f.write(text)
    return path


def explore(build, sweep, out, *args, taskset=None):
    cmd = [os.path.join(build, "bin", "tessera-explore"), sweep, "-o", out]
    cmd += list(args)
    if taskset is not None:
        cmd = ["taskset", "-c", taskset] + cmd
    proc, wall, rss = run_measured(cmd)
    if proc.returncode != 0:
        sys.exit("failed (%d): %s\n%s%s" % (proc.returncode, " ".join(cmd),
                                          proc.stdout, proc.stderr))
    return wall, rss, proc


def load(out):
    with open(os.path.join(out, "results.json")) as f:
        return json.load(f)


def median_range(values):
    return "%.2f s (%.2f-%.2f)" % (statistics.median(values), min(values),
                                   max(values))


def bench_analytic(args):
    work = os.path.join(args.work_dir, "analytic")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    sweep = write_sweep(os.path.join(work, "one.yaml"), "resnet50-edge",
                        [model_entry(args.model_dir, "resnet50")],
                        [("array.rows", "[16]")])
    cold, warm = [], []
    rss = 0.0
    for i in range(3):
        out = os.path.join(work, "out%d" % i)
        wall, r, _ = explore(args.build, sweep, out, "-j", "1", "--no-report",
                             taskset="0")
        cold.append(wall)
        shutil.rmtree(os.path.join(out, "points"))
        wall, r2, _ = explore(args.build, sweep, out, "-j", "1",
                              "--no-report", taskset="0")
        warm.append(wall)
        rss = max(rss, r, r2)
    result = load(os.path.join(work, "out0"))
    model = result["points"][0]["models"][0]
    print("\n## ResNet-50, analytic, one core (taskset -c 0), edge")
    print("| run | wall | |\n|---|---|---|")
    print("| first (import, calibrate, quantize, map, cost) | %s | peak RSS "
          "%.0f MiB |" % (median_range(cold), rss))
    print("| prepared (load int8 module, map, cost) | %s | goal <= 10 s |"
          % median_range(warm))
    print("predicted: %d NPU cycles, %.1f us, utilization %.3f, %d NPU "
          "layers, %d host layers" % (model["npu_cycles"],
                                      model["latency_us"],
                                      model["utilization"],
                                      model["npu_layers"],
                                      model["host_layers"]))


SWEEP500_AXES = [
    ("array.rows", "{pow2: {from: 8, to: 128}}"),
    ("array.cols", "{pow2: {from: 8, to: 128}}"),
    ("scratchpad.kib", "{pow2: {from: 64, to: 4096}}"),
    ("accumulator.kib", "{pow2: {from: 16, to: 1024}}"),
    ("dram.bytes_per_cycle,dma.bytes_per_cycle",
     '["4,4", "8,8", "16,16", "32,32", "64,64"]'),
    ("array.weight_buffers", "[1, 2]"),
]
SWEEP500_EXTRA = """sampling: {method: lhs, points: 500, seed: 1}
constraints: ["area_mm2 <= 40"]
fidelity: pareto
simulate_max: 8
report: {heatmap: [array.rows, array.cols]}
"""


def sweep500_file(args):
    work = os.path.join(args.work_dir, "sweep500")
    os.makedirs(work, exist_ok=True)
    return write_sweep(os.path.join(work, "sweep.yaml"), "sweep500",
                       [model_entry(args.model_dir, "resnet50"),
                        model_entry(args.model_dir, "mobilenet_v2")],
                       SWEEP500_AXES, SWEEP500_EXTRA)


def summarize(result):
    counts = {}
    for point in result["points"]:
        counts[point["status"]] = counts.get(point["status"], 0) + 1
    simulated = [(p["id"], m["model"], m["agreement"], m["worst_layer_error"])
                 for p in result["points"] if p["status"] == "ok"
                 for m in p["models"] if m.get("simulated")]
    return counts, simulated


def bench_sweep500(args):
    sweep = sweep500_file(args)
    work = os.path.dirname(sweep)
    out = os.path.join(work, "out")
    shutil.rmtree(out, ignore_errors=True)
    wall, rss, _ = explore(args.build, sweep, out, "-j", "2")
    result = load(out)
    counts, simulated = summarize(result)
    print("\n## 500-point sweep, ResNet-50 + MobileNetV2, -j 2, pareto")
    print("wall %.1f s (goal <= 600 s), peak RSS %.0f MiB" % (wall, rss))
    print("points: %s" % ", ".join("%s %d" % kv for kv in sorted(
        counts.items())))
    pareto = [p["id"] for p in result["points"] if p.get("pareto")]
    print("Pareto front: %d points; simulated model-points: %d"
          % (len(pareto), len(simulated)))
    if simulated:
        errors = [abs(a) for _, _, a, _ in simulated]
        worst = [w for _, _, _, w in simulated]
        print("agreement |simulated/predicted - 1|: median %.2e, worst "
              "%.2e; worst layer %.2e" % (statistics.median(errors),
                                          max(errors), max(worst)))
    # Determinism: merge the same point files again elsewhere.
    again = os.path.join(work, "again")
    shutil.rmtree(again, ignore_errors=True)
    shutil.copytree(os.path.join(out, "points"),
                    os.path.join(again, "points"))
    if os.path.isdir(os.path.join(out, "models")):
        shutil.copytree(os.path.join(out, "models"),
                        os.path.join(again, "models"))
    explore(args.build, sweep, again, "--merge-only")
    for name in ("results.json", "results.csv", "layers.csv"):
        same = filecmp.cmp(os.path.join(out, name),
                           os.path.join(again, name), shallow=False)
        print("%s merged twice: %s" % (name, "byte-identical" if same else
                                       "DIFFERENT"))


def bench_python(args):
    sweep = sweep500_file(args)
    work = os.path.dirname(sweep)
    out = os.path.join(work, "python")
    shutil.rmtree(out, ignore_errors=True)
    env = dict(os.environ, PYTHONPATH=os.path.join(args.build, "python"))
    code = ("import sys, tessera.explore as e;"
            "from concurrent.futures import ProcessPoolExecutor;"
            "import multiprocessing as mp;"
            "ex = ProcessPoolExecutor(2, mp_context=mp.get_context('spawn'));"
            "e.run(sys.argv[1], sys.argv[2], executor=ex, progress=False)")
    start = time.time()
    proc = subprocess.run(["/usr/bin/python3", "-c", code, sweep, out],
                          env=env, capture_output=True, text=True)
    wall = time.time() - start
    if proc.returncode != 0:
        sys.exit("python sweep failed:\n" + proc.stdout + proc.stderr)
    tool = os.path.join(work, "out", "results.json")
    print("\n## The same sweep through tessera.explore.run (process pool "
          "of 2)")
    print("wall %.1f s" % wall)
    if os.path.exists(tool):
        same = filecmp.cmp(tool, os.path.join(out, "results.json"),
                           shallow=False)
        print("results.json vs tessera-explore's: %s"
              % ("byte-identical" if same else "DIFFERENT"))


def square(n, bandwidth):
    """A square n x n point: SRAMs scaled with the array (edge: 256 KiB
    scratchpad, 64 KiB accumulator at 16 x 16), the DMA engine as wide as
    the DRAM's bandwidth (edge's 16-byte DMA would cap it)."""
    return [n, n, 256 * n * n // 256, 64 * n * n // 256, bandwidth,
            bandwidth]


def study_sweep(args, name, model, points):
    work = os.path.join(args.work_dir, "study", name)
    os.makedirs(work, exist_ok=True)
    values = ", ".join('"%s"' % ",".join(map(str, p)) for p in points)
    axes = [("array.rows,array.cols,scratchpad.kib,accumulator.kib,"
             "dram.bytes_per_cycle,dma.bytes_per_cycle", "[%s]" % values)]
    extra = "fidelity: simulated\n"
    sweep = write_sweep(os.path.join(work, "sweep.yaml"), name,
                        [model_entry(args.model_dir, model)], axes, extra)
    out = os.path.join(work, "out")
    explore(args.build, sweep, out, "-j", "2")
    return load(out)


def print_points(result, columns):
    print("| " + " | ".join(c for c, _ in columns) + " |")
    print("|" + "---|" * len(columns))
    for point in result["points"]:
        if point["status"] != "ok":
            print("| %s | %s |" % (point["id"], point["reason"]))
            continue
        model = point["models"][0]
        print("| " + " | ".join(f(point, model) for _, f in columns) + " |")


def bench_study(args):
    setting = (lambda key: lambda p, m: p["settings"].get(key, ""))
    geometry = lambda p, m: "%dx%d" % (p["hardware"]["rows"],  # noqa: E731
                                       p["hardware"]["cols"])
    columns = [
        ("array", geometry),
        ("DRAM B/cycle", lambda p, m: str(p["hardware"]
                                          ["dram_bytes_per_cycle"])),
        ("latency us", lambda p, m: "%.1f" % m["latency_us"]),
        ("NPU cycles", lambda p, m: str(m["npu_cycles"])),
        ("utilization", lambda p, m: "%.3f" % m["utilization"]),
        ("energy uJ", lambda p, m: "%.1f" % (m["energy_pj"]["total"] / 1e6)),
        ("of which DRAM", lambda p, m: "%.1f" % (m["energy_pj"]["dram"] /
                                                 1e6)),
        ("leakage", lambda p, m: "%.1f" % (m["energy_pj"]["leakage"] / 1e6)),
        ("area mm2", lambda p, m: "%.2f" % p["area_mm2"]),
        ("EDP uJ*ms", lambda p, m: "%.2f" % (m["energy_pj"]["total"] / 1e6 *
                                             m["latency_us"] / 1e3)),
        ("agreement", lambda p, m: "%.1e" % m["agreement"]),
    ]
    del setting
    print("\n## Study 1: square arrays on the transformer, 64 B/cycle")
    result = study_sweep(args, "arrays", "transformer",
                         [square(n, 64) for n in (16, 32, 64, 128)])
    print_points(result, columns)
    print("\n## Study 2: the same arrays when DRAM is slow")
    result = study_sweep(args, "dram", "transformer",
                         [square(n, bw) for bw in (4, 16, 64)
                          for n in (32, 64, 128)])
    print_points(result, columns)
    print("\n## Study 3: ResNet-50 from 16x16 to 64x64")
    result = study_sweep(args, "resnet50", "resnet50",
                         [square(n, bw) for n in (16, 32, 64)
                          for bw in (16, 64)])
    print_points(result, columns + [
        ("bound", lambda p, m: most_cycles_bound(m))])


def most_cycles_bound(model):
    """The bound that most of the NPU layers' cycles have."""
    cycles = {}
    for layer in model["layers"]:
        if layer["place"] == "npu":
            cycles[layer["bound"]] = (cycles.get(layer["bound"], 0) +
                                      layer["predicted_cycles"])
    total = sum(cycles.values()) or 1
    return ", ".join("%s %.0f%%" % (b, 100.0 * c / total)
                     for b, c in sorted(cycles.items(), key=lambda kv:
                                        -kv[1]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build")
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--work-dir", default="/tmp/tessera-explore-bench")
    parser.add_argument("--only", default="analytic,sweep500,python,study")
    args = parser.parse_args()
    args.model_dir = os.path.abspath(args.model_dir)
    os.makedirs(args.work_dir, exist_ok=True)
    kinds = {"analytic": bench_analytic, "sweep500": bench_sweep500,
             "python": bench_python, "study": bench_study}
    for kind in args.only.split(","):
        if kind not in kinds:
            sys.exit("unknown --only entry '%s' (%s)" % (kind,
                                                        ", ".join(kinds)))
        kinds[kind](args)


if __name__ == "__main__":
    main()
