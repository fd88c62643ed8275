#!/usr/bin/env python3
# ===- exit_code.py - run a command and require an exact exit status -----=== #
#
# Usage: exit_code.py STATUS COMMAND ARGS... ; forwards the command's stdout
# and stderr, exits 0 when the command exited with STATUS, else 1.
#
# ===----------------------------------------------------------------------=== #
import subprocess
import sys

want = int(sys.argv[1])
proc = subprocess.run(sys.argv[2:])
if proc.returncode != want:
    print(f"exit_code.py: expected exit status {want}, got {proc.returncode}",
          file=sys.stderr)
    sys.exit(1)
