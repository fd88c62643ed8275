#!/usr/bin/env python3
# ===- conformance.py - ONNX backend tests through the CPU path --------------===#
#
# For each test of Debian's libonnx-testdata (node, pytorch-converted,
# pytorch-operator, simple): compile model.onnx with
# `tessera-compile --target=cpu`, run every test_data_set_* with `tessera-run`
# against its expected outputs (ONNX backend tolerances: rtol 1e-3, atol 1e-7),
# and classify it:
#
#   pass            every data set matches
#   fail            a data set does not match (or tessera-run refuses it)
#   unsupported     the model uses an op or feature Tessera does not have
#   compile-error   tessera-compile failed otherwise
#   crash           a tool died on a signal or timed out
#
# Writes a TSV table (test, status, reason). With --expect FILE, fails when a
# test listed there no longer passes (a regression) and reports tests that
# pass but are not listed; --update FILE rewrites that list. --ops-doc FILE
# writes docs/SupportedOps.md: every nn op with the tests that exercise it.
#
# Usage: /usr/bin/python3 conformance.py BUILD_DIR [--suite node] [--filter RE]
#            [--table OUT.tsv] [--expect FILE] [--update FILE] [--ops-doc FILE] [-j N]
#
# ===-------------------------------------------------------------------------===#
import argparse
import collections
import concurrent.futures
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

import onnx

DATA = "/usr/share/libonnx-testdata/data"
SUITES = ["node", "pytorch-converted", "pytorch-operator", "simple"]


def first_error(text):
    for line in text.splitlines():
        if "error:" in line:
            return " ".join(line.split("error:", 1)[1].split())[:200]
    return " ".join(text.split())[:200]


def run_one(args):
    build, suite, test, tmp, target = args
    root = os.path.join(DATA, suite, test)
    out = os.path.join(tmp, suite + "." + test)
    compile_bin = os.path.join(build, "bin", "tessera-compile")
    run_bin = os.path.join(build, "bin", "tessera-run")
    try:
        proc = subprocess.run([compile_bin, os.path.join(root, "model.onnx"),
                               "--target=" + target, "-o", out],
                              capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return "crash", "tessera-compile timed out"
    if proc.returncode < 0 or proc.returncode > 2:
        return "crash", "tessera-compile exit %d: %s" % (proc.returncode, first_error(proc.stderr))
    if proc.returncode != 0:
        err = proc.stderr
        if re.search(r"unsupported|failed to legalize|is not a tensor|training mode", err):
            return "unsupported", first_error(err)
        return "compile-error", first_error(err)
    sets = sorted(glob.glob(os.path.join(root, "test_data_set_*")))
    try:
        for s in sets:
            cmd = [run_bin, out, "--rtol", "1e-3", "--atol", "1e-7"]
            for f in sorted(glob.glob(os.path.join(s, "input_*.pb")), key=lambda p: int(re.findall(r"\d+", os.path.basename(p))[0])):
                cmd += ["--input", "#%s=%s" % (re.findall(r"\d+", os.path.basename(f))[0], f)]
            for f in sorted(glob.glob(os.path.join(s, "output_*.pb"))):
                cmd += ["--expect", "#%s=%s" % (re.findall(r"\d+", os.path.basename(f))[0], f)]
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
            if r.returncode < 0 or r.returncode > 2:
                return "crash", "tessera-run exit %d" % r.returncode
            if r.returncode != 0:
                why = first_error(r.stderr) if r.stderr.strip() else " ".join(
                    l for l in r.stdout.splitlines() if "MISMATCH" in l or "shape" in l)[:200]
                return "fail", "%s: %s" % (os.path.basename(s), why)
    except subprocess.TimeoutExpired:
        return "crash", "tessera-run timed out"
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return "pass", ""


def model_ops(suite, test):
    m = onnx.load(os.path.join(DATA, suite, test, "model.onnx"), load_external_data=False)
    return sorted({n.op_type for n in m.graph.node})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("build")
    p.add_argument("--suite", action="append")
    p.add_argument("--filter", default="")
    p.add_argument("--table")
    p.add_argument("--expect")
    p.add_argument("--update")
    p.add_argument("--ops-doc")
    p.add_argument("-j", type=int, default=os.cpu_count())
    p.add_argument("--target", default="cpu",
                   help="tessera-compile target whose artifacts tessera-run "
                        "can run here (cpu; gpu-emulate: the GPU kernels' "
                        "tiled loop nests on the CPU)")
    a = p.parse_args()
    suites = a.suite or SUITES
    jobs = []
    tmp = tempfile.mkdtemp(prefix="tessera-conformance-")
    for suite in suites:
        for test in sorted(os.listdir(os.path.join(DATA, suite))):
            if re.search(a.filter, test) and os.path.exists(os.path.join(DATA, suite, test, "model.onnx")):
                jobs.append((a.build, suite, test, tmp, a.target))
    results = {}
    with concurrent.futures.ThreadPoolExecutor(a.j) as pool:
        for job, res in zip(jobs, pool.map(run_one, jobs)):
            results[(job[1], job[2])] = res
    shutil.rmtree(tmp, ignore_errors=True)

    statuses = ["pass", "fail", "unsupported", "compile-error", "crash"]
    counts = collections.defaultdict(collections.Counter)
    for (suite, _), (status, _) in results.items():
        counts[suite][status] += 1
    print("%-18s %6s " % ("suite", "tests") + " ".join("%13s" % s for s in statuses))
    for suite in suites:
        c = counts[suite]
        print("%-18s %6d " % (suite, sum(c.values())) + " ".join("%13d" % c[s] for s in statuses))
    if a.table:
        with open(a.table, "w") as f:
            f.write("test\tstatus\treason\n")
            for (suite, test), (status, reason) in sorted(results.items()):
                f.write("%s/%s\t%s\t%s\n" % (suite, test, status, reason))
    passing = {"%s/%s" % k for k, (s, _) in results.items() if s == "pass"}
    rc = 0
    if a.expect:
        with open(a.expect) as f:
            expected = {l.strip() for l in f if l.strip() and not l.startswith("#")}
        considered = {"%s/%s" % k for k in results}
        regressions = sorted((expected & considered) - passing)
        for t in regressions:
            s, r = results[tuple(t.split("/", 1))]
            print("REGRESSION %s: %s %s" % (t, s, r))
        new = sorted(passing - expected)
        if new:
            print("newly passing (run with --update to record): %d" % len(new))
        print("regressions: %d" % len(regressions))
        rc = 1 if regressions else 0
    if a.update:
        with open(a.update, "w") as f:
            f.write("# Tests of libonnx-testdata that pass through the CPU path; CI fails if one stops passing.\n")
            f.write("# Regenerate: /usr/bin/python3 python/scripts/conformance.py build --update test/conformance/expected-pass.txt\n")
            for t in sorted(passing):
                f.write(t + "\n")
    if a.ops_doc:
        by_op = collections.defaultdict(list)
        for (suite, test), (status, _) in sorted(results.items()):
            for op in model_ops(suite, test):
                by_op[op].append((suite + "/" + test, status))
        with open(a.ops_doc, "w") as f:
            f.write("# Supported ONNX operators (CPU path)\n\n")
            f.write("Generated by `python/scripts/conformance.py --ops-doc`: every ONNX operator that\n")
            f.write("appears in Debian's libonnx-testdata, whether the `nn` dialect has it, and the\n")
            f.write("tests that exercise it with their status through `tessera-compile --target=cpu`.\n\n")
            names = set()
            here = os.path.dirname(os.path.abspath(__file__))
            with open(os.path.join(here, "..", "..", "dialects", "NN", "NNOnnxNames.def")) as d:
                for line in d:
                    m = re.match(r'NN_ONNX_OP\("(\w+)"', line)
                    if m:
                        names.add(m.group(1))
            names.add("Constant")
            # Hand-written ops that hold subgraphs (dialects/NN/NNOps.td).
            names.update(("If", "Loop", "Scan"))
            # Deprecated ops the opset upgrade replaces by an nn op.
            if "ScatterElements" in names:
                names.add("Scatter")
            f.write("| op | in nn | tests passing | tests |\n|---|---|---|---|\n")
            for op in sorted(by_op):
                tests = by_op[op]
                npass = sum(1 for _, s in tests if s == "pass")
                listing = ", ".join("%s (%s)" % (t.split("/", 1)[1], s) for t, s in tests[:12])
                if len(tests) > 12:
                    listing += ", ... (%d more)" % (len(tests) - 12)
                f.write("| %s | %s | %d/%d | %s |\n" % (op, "yes" if op in names else "no", npass, len(tests), listing))
    return rc


if __name__ == "__main__":
    sys.exit(main())
