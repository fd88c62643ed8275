# ===- measure.py - wall time and peak RSS of a command ---------------------===#
#
# Shared by the benches (npu_bench.py, gpu_models.py).
#
# ===------------------------------------------------------------------------===#
import subprocess
import sys


def run_measured(cmd):
    """Runs cmd; returns (CompletedProcess, wall seconds, peak RSS MiB of the
    child). RUSAGE_CHILDREN's maximum is over all children so far, so each
    command runs in its own `python3 -c` wrapper; its marker line is removed
    from the returned stderr."""
    wrapper = ("import resource, subprocess, sys, time;"
               "t = time.time(); p = subprocess.run(sys.argv[1:]);"
               "w = time.time() - t;"
               "r = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss;"
               "print('@@MEASURE %f %d' % (w, r), file=sys.stderr);"
               "sys.exit(p.returncode)")
    proc = subprocess.run([sys.executable, "-c", wrapper] + cmd,
                          capture_output=True, text=True)
    wall, rss, kept = 0.0, 0, []
    for line in proc.stderr.splitlines():
        if line.startswith("@@MEASURE"):
            _, w, r = line.split()
            wall, rss = float(w), int(r) / 1024.0
        else:
            kept.append(line)
    proc.stderr = "\n".join(kept)
    return proc, wall, rss
