#!/usr/bin/env python3
# ===- survey_testdata.py - import every model of libonnx-testdata -----------===#
#
# Imports each model.onnx of Debian's libonnx-testdata (node, pytorch-converted,
# pytorch-operator, simple) with `tessera-compile --emit=nn` and classifies it:
#
#   imported        all ops are nn ops and the model imports to verified IR
#   feature         all ops are nn ops, but the model uses a feature nn does not
#                   have (string/sequence tensors, training mode), and the
#                   import fails with a message naming it
#   FAILED          all ops are nn ops but the import failed otherwise (a bug)
#   rejected        some op is not an nn op, and the error lists every such node
#   MISREPORTED     some op is not an nn op, but the error does not list them all
#
# Usage: /usr/bin/python3 survey_testdata.py BUILD_DIR [--data DIR] [--verbose]
# Exits 1 if anything is FAILED or MISREPORTED (unless --allow-failures).
#
# ===-------------------------------------------------------------------------===#
import argparse
import collections
import concurrent.futures
import os
import re
import subprocess
import sys

import onnx

DATA = "/usr/share/libonnx-testdata/data"
SUITES = ["node", "pytorch-converted", "pytorch-operator", "simple"]
# Deprecated op types and what the opset upgrade turns them into.
UPGRADED = {"Scatter": "ScatterElements"}


def nn_ops(build):
    """The ONNX op types the nn dialect implements (from NNOnnxNames.def)."""
    here = os.path.dirname(os.path.abspath(__file__))
    names = os.path.join(here, "..", "..", "dialects", "NN", "NNOnnxNames.def")
    # Constant, and the hand-written ops that hold subgraphs.
    ops = {"Constant", "If", "Loop", "Scan"}
    with open(names) as f:
        for line in f:
            m = re.match(r'NN_ONNX_OP\("(\w+)"', line)
            if m:
                ops.add(m.group(1))
    # Deprecated ops the opset upgrade replaces by an nn op import too.
    ops.update(old for old, new in UPGRADED.items() if new in ops)
    return ops


def survey_one(args):
    compile_bin, path, supported = args
    model = onnx.load(path, load_external_data=False)
    unsupported = []
    opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0)

    def collect(graph):
        # Nodes of subgraphs (If branches, Loop and Scan bodies) too.
        for i, node in enumerate(graph.node):
            for attr in node.attribute:
                if attr.type == onnx.AttributeProto.GRAPH:
                    collect(attr.g)
            # The upgrade from opsets below 10 turns Upsample into Resize.
            if node.op_type == "Upsample" and opset < 10 and "Resize" in supported:
                continue
            if node.domain not in ("", "ai.onnx") or node.op_type not in supported:
                unsupported.append(node.name or "%s_%d" % (node.op_type, i))

    collect(model.graph)
    proc = subprocess.run([compile_bin, path, "--emit=nn", "-o", os.devnull],
                          capture_output=True, text=True, timeout=120)
    err = proc.stderr.strip()
    crashed = proc.returncode not in (0, 1)
    if not unsupported:
        if proc.returncode == 0:
            return "imported", ""
        if crashed:
            return "FAILED", "crash rc=%d" % proc.returncode
        first = err.splitlines()[0] if err else ""
        if proc.returncode == 1 and re.search(
                r"unsupported|is not a tensor|training mode", err):
            return "feature", " ".join(err.split("error: ", 1)[-1].split())
        return "FAILED", first
    listed = proc.returncode == 1 and "unsupported operator" in err and all(
        ("node '%s'" % n) in err for n in unsupported)
    return ("rejected" if listed else "MISREPORTED"), ("" if listed else (err.splitlines()[0] if err else "rc=%d" % proc.returncode))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--data", default=DATA)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--allow-failures", action="store_true")
    parser.add_argument("-j", type=int, default=os.cpu_count())
    args = parser.parse_args()
    compile_bin = os.path.join(args.build, "bin", "tessera-compile")
    supported = nn_ops(args.build)
    jobs = []
    for suite in SUITES:
        root = os.path.join(args.data, suite)
        for test in sorted(os.listdir(root)):
            path = os.path.join(root, test, "model.onnx")
            if os.path.exists(path):
                jobs.append((suite, test, path))
    counts = collections.defaultdict(collections.Counter)
    bad = []
    with concurrent.futures.ThreadPoolExecutor(args.j) as pool:
        results = pool.map(survey_one, [(compile_bin, p, supported) for _, _, p in jobs])
        for (suite, test, _), (status, reason) in zip(jobs, results):
            counts[suite][status] += 1
            if status in ("FAILED", "MISREPORTED", "feature"):
                bad.append((suite, test, status, reason))
            if args.verbose:
                print("%-18s %-55s %-11s %s" % (suite, test, status, reason))
    print("%-18s %6s %9s %8s %8s %9s %12s" % ("suite", "models", "imported", "feature", "FAILED", "rejected", "MISREPORTED"))
    total = collections.Counter()
    for suite in SUITES:
        c = counts[suite]
        total.update(c)
        print("%-18s %6d %9d %8d %8d %9d %12d" % (suite, sum(c.values()), c["imported"], c["feature"], c["FAILED"], c["rejected"], c["MISREPORTED"]))
    print("%-18s %6d %9d %8d %8d %9d %12d" % ("total", sum(total.values()), total["imported"], total["feature"], total["FAILED"], total["rejected"], total["MISREPORTED"]))
    for suite, test, status, reason in bad:
        print("%s %s/%s: %s" % (status, suite, test, reason))
    print("summary: imported=%d feature=%d rejected=%d FAILED=%d MISREPORTED=%d" % (
        total["imported"], total["feature"], total["rejected"], total["FAILED"],
        total["MISREPORTED"]))
    failures = [b for b in bad if b[2] != "feature"]
    return 1 if failures and not args.allow_failures else 0


if __name__ == "__main__":
    sys.exit(main())
