#!/usr/bin/env python3
# ===- check_trace.py - structure of a tessera-sim Chrome trace -----------=== #
#
# Usage: check_trace.py TRACE.json. Loads the trace as JSON and prints, in
# order, one line per complete ("X") instruction event:
#   <track> <name> ts=<start> dur=<cycles> index=<i>
# and one per layer span ("b"/"e" pairs), for FileCheck. Fails on events
# that overlap on one unit's track (a unit runs one instruction at a time).
#
# ===----------------------------------------------------------------------=== #
import json
import sys

with open(sys.argv[1]) as f:
    trace = json.load(f)
events = trace["traceEvents"]
tracks = {e["tid"]: e["args"]["name"] for e in events
          if e["ph"] == "M" and e["name"] == "thread_name"}
print("tracks:", " ".join(tracks[t] for t in sorted(tracks)))
print("time unit:", trace["otherData"]["time_unit"])
last_end = {}
for e in events:
    if e["ph"] == "X" and e.get("cat") not in ("stall",) and "index" in e["args"]:
        track = tracks[e["tid"]]
        if e["ts"] < last_end.get(track, 0):
            sys.exit(f"overlapping events on {track} at {e['ts']}")
        last_end[track] = e["ts"] + e["dur"]
        print(f"{track} {e['name']} ts={e['ts']} dur={e['dur']} index={e['args']['index']}")
    elif e["ph"] == "X":
        print(f"{tracks[e['tid']]} stall {e['name']} ts={e['ts']} dur={e['dur']}")
    elif e["ph"] in ("b", "e"):
        print(f"layer {e['ph']} {e['name']} ts={e['ts']}")
