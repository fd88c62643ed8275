#!/usr/bin/env python3
# ===- check_report.py - assertions over tessera-sim JSON reports --------=== #
#
# Usage: check_report.py REPORT.json [REPORT2.json ...] -e EXPR [-e EXPR ...]
# The reports are bound to r (the first), r0, r1, ...; `units_sum(c, unit)`
# sums a unit's cycles over all causes. Every EXPR must be true; a false one
# prints its value and the report's totals and exits 1.
#
# ===----------------------------------------------------------------------=== #
import argparse
import json
import sys


def units_sum(counters, unit):
    return sum(counters["units"][unit].values())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("reports", nargs="+")
    parser.add_argument("-e", dest="exprs", action="append", default=[])
    args = parser.parse_args()
    env = {"units_sum": units_sum}
    for i, path in enumerate(args.reports):
        with open(path) as f:
            env[f"r{i}"] = json.load(f)
    env["r"] = env["r0"]
    ok = True
    for expr in args.exprs:
        if eval(expr, env):
            print(f"ok: {expr}")
            continue
        ok = False
        print(f"FAILED: {expr}", file=sys.stderr)
        for i in range(len(args.reports)):
            total = env[f"r{i}"]["total"]
            print(f"  r{i}: cycles={total.get('cycles')} "
                  f"overlap={total.get('overlap_cycles')} macs={total['macs']}",
                  file=sys.stderr)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
