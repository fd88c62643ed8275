#!/usr/bin/env python3
# ===- fuzz_bench.py - long runs of the libFuzzer targets ----------------=== #
#
# Runs each fuzz target of test/fuzz (built by `tools/dev.sh fuzz` into
# build-fuzz) from its checked-in seed corpus, for a number of executions
# and/or a time budget, and prints executions, exec/s, final coverage
# (cov: edges, ft: features), corpus size and crashes; exec/s is executions
# over wall time, loading the corpus included. A crash, leak,
# sanitizer report, timeout or OOM stops that target; its reproducer is
# copied to test/fuzz/crashes-found/<target>/ and the run exits 1.
#
#   /usr/bin/python3 bench/fuzz_bench.py [FUZZ_BUILD_DIR] [--runs N]
#       [--time SECONDS] [--targets a,b] [--jobs J] [--work DIR]
#
# Defaults: build-fuzz, --runs 1000000 (the acceptance), no time
# limit, all targets, one target at a time. The growing corpus is kept in
# WORK (default FUZZ_BUILD_DIR/fuzz-bench/<target>/corpus), so a second run
# continues where the first stopped.
#
# ===----------------------------------------------------------------------=== #
import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FUZZ = os.path.join(ROOT, "test", "fuzz")
TARGETS = ["npu_binary", "npu_asm", "npu_hw", "npy", "tensorproto",
           "onnx_import"]


def run_target(build, target, args):
    exe = os.path.join(build, "bin", target + "_fuzzer")
    work = os.path.join(args.work or os.path.join(build, "fuzz-bench"), target)
    corpus, artifacts = os.path.join(work, "corpus"), os.path.join(work, "artifacts")
    os.makedirs(corpus, exist_ok=True)
    shutil.rmtree(artifacts, ignore_errors=True)
    os.makedirs(artifacts)
    cmd = [exe, corpus, os.path.join(FUZZ, "corpus", target),
           "-timeout=10", "-rss_limit_mb=2048", "-max_len=8192",
           "-artifact_prefix=" + artifacts + "/", "-print_final_stats=1"]
    if args.runs:
        cmd.append("-runs=%d" % args.runs)
    if args.time:
        cmd.append("-max_total_time=%d" % args.time)
    dictionary = os.path.join(FUZZ, target + ".dict")
    if os.path.exists(dictionary):
        cmd.append("-dict=" + dictionary)
    env = dict(os.environ)
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    log_path = os.path.join(work, "log")
    start = time.time()
    with open(log_path, "w") as log:
        rc = subprocess.call(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    seconds = time.time() - start
    text = open(log_path, errors="replace").read()
    stat = lambda k: (re.findall(r"stat::%s:\s*(\d+)" % k, text) or ["?"])[-1]
    cov = re.findall(r"cov: (\d+) ft: (\d+) corp: (\d+)", text)
    crashes = sorted(os.listdir(artifacts))
    saved = []
    if crashes:
        dest = os.path.join(FUZZ, "crashes-found", target)
        os.makedirs(dest, exist_ok=True)
        for c in crashes:
            shutil.copy(os.path.join(artifacts, c), dest)
            saved.append(os.path.join(dest, c))
        shutil.copy(log_path, os.path.join(dest, crashes[0] + ".log"))
    return {"target": target, "rc": rc, "runs": stat("number_of_executed_units"),
            "seconds": seconds,
            "cov": cov[-1] if cov else ("?", "?", "?"),
            "rss": stat("peak_rss_mb"), "crashes": saved, "log": log_path,
            "cmd": " ".join(cmd)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("build", nargs="?", default=os.path.join(ROOT, "build-fuzz"))
    p.add_argument("--runs", type=int, default=1000000)
    p.add_argument("--time", type=int, default=0, help="seconds per target")
    p.add_argument("--targets", default=",".join(TARGETS))
    p.add_argument("--jobs", type=int, default=1, help="targets at a time")
    p.add_argument("--work")
    args = p.parse_args()
    targets = args.targets.split(",")
    for t in targets:
        if not os.path.exists(os.path.join(args.build, "bin", t + "_fuzzer")):
            sys.exit("no %s_fuzzer in %s/bin: run tools/dev.sh fuzz" % (t, args.build))
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda t: run_target(args.build, t, args), targets))
    print("%-12s %10s %8s %8s %6s %7s %6s %7s  %s" % (
        "target", "execs", "seconds", "exec/s", "cov", "ft", "corpus", "rss MB",
        "crashes"))
    failed = False
    for r in results:
        failed |= r["rc"] != 0
        crash = ", ".join(os.path.relpath(c, ROOT) for c in r["crashes"]) or (
            "none" if r["rc"] == 0 else "exit %d (see %s)" % (r["rc"], r["log"]))
        rate = int(r["runs"]) / r["seconds"] if r["runs"] != "?" else 0
        print("%-12s %10s %8.0f %8.0f %6s %7s %6s %7s  %s" % (
            r["target"], r["runs"], r["seconds"], rate, r["cov"][0],
            r["cov"][1], r["cov"][2], r["rss"], crash))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
