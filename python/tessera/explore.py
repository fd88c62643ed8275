# ===- explore.py - hardware co-design sweeps from Python ---------------------===#
#
# Part of Tessera. The sweeps of `tessera-explore` (docs/explore.md) run
# through any concurrent.futures executor: a local process pool by default,
# a dask.distributed Client for a cluster (docs/python.md). The calling
# process plans the sweep and prepares the models; the executor's workers
# evaluate chunks of points, each writing its own point files; the calling
# process merges them into the same results.json the C++ tool writes.
#
# ===--------------------------------------------------------------------------===#
"""Hardware co-design sweeps: load, plan and run a sweep file.

    from tessera import explore
    results = explore.run("sweep.yaml", "out")
    results.column("latency_us", model="resnet50")   # numpy array

With a dask cluster:

    from dask.distributed import Client
    results = explore.run("sweep.yaml", "out", executor=Client("tcp://scheduler:8786"))
"""

import concurrent.futures
import json
import math
import multiprocessing
import os
import sys
import time

import numpy as np

from . import Error, _tessera

__all__ = ["load", "plan", "run", "Results"]


def _require_explorer():
    if not _tessera.has_explore:
        raise Error("this tessera package was built without the explorer (lib/Explore)")


def load(sweep_path, *, fidelity=None):
    """Parses a sweep file.

    Args:
      sweep_path: the sweep file (docs/explore.md).
      fidelity: replaces the file's fidelity ("analytic", "simulated",
        "pareto"), as tessera-explore --fidelity does.

    Returns:
      The sweep as a dict: name, file, hardware (the base), models (name,
      path, input_shapes, calibration, calibration_samples, lower_qdq), axes
      ({key, values}), sampling, samples, sampling_seed, constraints,
      fidelity, simulate_max, seed, heatmap. Paths are absolute.

    Raises:
      Error: the located message of a bad sweep file
        ("sweep.yaml:7:5: error: ...").
    """
    _require_explorer()
    return json.loads(_tessera.explore_load(os.fspath(sweep_path), fidelity))


def plan(sweep_path, *, fidelity=None):
    """The points a sweep evaluates, in index order.

    `fidelity` replaces the file's, as in load() (point digests depend on
    it).

    Returns:
      A list of {index, id, settings (axis key -> value text), runnable,
      invalid_reason, excluded_reason, digest}: a point is runnable unless
      its hardware is invalid or it violates a constraint.

    Raises:
      Error: a bad sweep file, an unknown axis key, a base hardware that does
        not load.
    """
    _require_explorer()
    return json.loads(_tessera.explore_plan(os.fspath(sweep_path), fidelity))


def _evaluate_chunk(sweep_path, out_dir, indices, fidelity, simulate):
    """An executor task: evaluates the points `indices` into out_dir/points.

    Runs in the worker; the models were prepared by the calling process.
    `simulate`: the simulation pass of a pareto sweep. Returns the indices
    and runSweep's counts (SweepStats: evaluated, resumed, failed, ...).
    """
    return list(indices), _tessera.explore_run(sweep_path, out_dir, list(indices), fidelity,
                                               True, simulate, 1)


def _chunks(indices, size):
    return [indices[k:k + size] for k in range(0, len(indices), size)]


def _worker_count(executor):
    """How many tasks `executor` runs at once (a guess for foreign ones)."""
    if _is_dask_client(executor):
        return max(1, sum(executor.nthreads().values()))
    count = getattr(executor, "_max_workers", None)  # the standard library's pools
    if isinstance(count, int) and count > 0:
        return count
    return os.cpu_count() or 1


def _is_dask_client(executor):
    return type(executor).__module__.startswith("distributed") and hasattr(executor, "get_executor")


def _format_seconds(seconds):
    seconds = int(seconds)
    if seconds >= 3600:
        return "%dh%02dm" % (seconds // 3600, seconds % 3600 // 60)
    if seconds >= 60:
        return "%dm%02ds" % (seconds // 60, seconds % 60)
    return "%d s" % seconds


class _Progress:
    """The progress line on stderr, as tessera-explore's: "explore: 12/500
    points (1 failed, 3 resumed), 40 s, eta 1m20s"; rewritten in place on a
    terminal, one line per finished task otherwise."""

    def __init__(self, stage, total, enabled):
        self.stage, self.total = stage, total
        self.enabled = enabled and total > 0
        self.terminal = self.enabled and sys.stderr.isatty()
        self.done = self.failed = self.resumed = 0
        self.start = time.monotonic()

    def update(self, indices, failed, resumed):
        self.done += len(indices)
        self.failed += failed
        self.resumed += resumed
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.start
        line = "explore: %s%d/%d points (%d failed, %d resumed), %s" % (
            self.stage, self.done, self.total, self.failed, self.resumed,
            _format_seconds(elapsed))
        evaluated = self.done - self.resumed
        if 0 < evaluated and self.done < self.total:
            line += ", eta " + _format_seconds(elapsed / evaluated * (self.total - self.done))
        if self.terminal:
            end = "\n" if self.done == self.total else ""
            sys.stderr.write("\r" + line + "\x1b[K" + end)
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


# The counts of runSweep's SweepStats that add up over the tasks.
_MAIN_COUNTS = ("evaluated", "resumed", "failed")
_SIMULATION_COUNTS = ("simulated", "simulationsResumed", "simulationsFailed")


def _evaluate(executor, workers, sweep_path, out_dir, indices, fidelity, simulate, chunk_size,
              progress, stats):
    """Evaluates `indices` through the executor; adds the tasks' counts to stats."""
    if not indices:
        return
    if chunk_size is None:
        # A few chunks per worker: even load without a task per point.
        chunk_size = max(1, math.ceil(len(indices) / (4 * workers)))
    keys = _SIMULATION_COUNTS if simulate else _MAIN_COUNTS
    bar = _Progress("simulated " if simulate else "", len(indices), progress)
    futures = [executor.submit(_evaluate_chunk, sweep_path, out_dir, chunk, fidelity, simulate)
               for chunk in _chunks(indices, chunk_size)]
    try:
        for future in concurrent.futures.as_completed(futures):
            done, counts = future.result()
            for key in keys:
                stats[key] += counts[key]
            bar.update(done, counts[keys[2]], counts[keys[1]])
    except BaseException:
        for future in futures:
            future.cancel()
        raise


def run(sweep_path, out_dir, *, executor=None, fidelity=None, chunk_size=None, progress=True):
    """Runs a sweep through an executor and merges its results.

    The calling process plans the sweep and prepares its models (import,
    calibration, quantization: once per model, under out_dir/models), then
    submits chunks of runnable points to the executor; each task evaluates
    its points with the C++ explorer and writes out_dir/points/<id>.json.
    Points whose file is up to date are not evaluated again (resume). For
    fidelity "pareto", the Pareto candidates of the analytic pass are then
    simulated the same way. Finally the calling process merges the point
    files into results.json, results.csv and layers.csv (byte-identical to
    tessera-explore's) and writes report.html.

    Args:
      sweep_path: the sweep file (docs/explore.md).
      out_dir: the output directory; every worker must see it (a shared
        file system for a cluster), at the same path.
      executor: a concurrent.futures.Executor, or a dask.distributed.Client;
        default a ProcessPoolExecutor of os.cpu_count() 'spawn' workers.
      fidelity: "analytic", "simulated" or "pareto", overriding the sweep
        file's.
      chunk_size: points per task (default: about four tasks per worker).
      progress: print a progress line to stderr.

    Returns:
      Results: the merged results.

    Raises:
      Error: a bad sweep file, a model that does not prepare, an unknown
        fidelity; a worker's error is raised as it was.
    """
    _require_explorer()
    start = time.monotonic()
    sweep_path = os.path.abspath(os.fspath(sweep_path))
    out_dir = os.path.abspath(os.fspath(out_dir))
    spec = load(sweep_path, fidelity=fidelity)
    # Plan and prepare in this process, so that the workers find the
    # prepared models and none prepares one twice.
    stats = _tessera.explore_run(sweep_path, out_dir, [], fidelity, False, False, 1)
    points = plan(sweep_path, fidelity=fidelity)
    runnable = [p["index"] for p in points if p["runnable"]]
    stats["points"] = stats["selected"] = len(points)
    stats["invalid"] = sum(1 for p in points if p["invalid_reason"])
    stats["excluded"] = sum(1 for p in points if p["excluded_reason"] and not p["invalid_reason"])

    owned = None
    if executor is None:
        owned = concurrent.futures.ProcessPoolExecutor(
            max_workers=os.cpu_count() or 1, mp_context=multiprocessing.get_context("spawn"))
        executor = owned
    workers = _worker_count(executor)
    pool = executor.get_executor(pure=False) if _is_dask_client(executor) else executor
    try:
        _evaluate(pool, workers, sweep_path, out_dir, runnable, fidelity, False, chunk_size,
                  progress, stats)
        if spec["fidelity"] == "pareto":
            # Beside the analytic point files: points/<id>.sim.json.
            candidates = list(_tessera.explore_candidates(sweep_path, out_dir, fidelity))
            _evaluate(pool, workers, sweep_path, out_dir, candidates, fidelity, True, chunk_size,
                      progress, stats)
    finally:
        if owned is not None:
            owned.shutdown(wait=True, cancel_futures=True)
    stats["seconds"] = time.monotonic() - start
    merged, summary = _tessera.explore_merge(sweep_path, out_dir, fidelity, True, stats)
    if _tessera.has_report:
        summary += "explore: report in %s\n" % os.path.join(out_dir, "report.html")
    if progress:
        sys.stderr.write(summary)
        sys.stderr.flush()
    return Results(out_dir, json.loads(merged), summary)


def _lookup(record, key):
    """record[key], or the dotted path key through nested dicts; None if absent."""
    if key in record:
        return record[key]
    value = record
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _to_number(value):
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _as_array(values):
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present) and len(present) == len(values):
        return np.array(values, dtype=bool)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    return np.array(values, dtype=object)


class Results:
    """The merged results of a sweep (results.json) with numpy columns.

    Attributes:
      out_dir: the sweep's output directory.
      data: results.json as a dict: sweep, hardware, fidelity, sampling,
        axes, models, heatmap, points (the schema of docs/explore.md).
      points: data["points"], in index order.
      models: the model names.
      summary: tessera-explore's end-of-sweep summary (counts by status,
        the failed points with their reasons, what this run evaluated).
    """

    def __init__(self, out_dir, data, summary=""):
        self.out_dir = os.fspath(out_dir)
        self.summary = summary
        self.data = data
        self.points = data.get("points", [])
        self.models = list(data.get("models", []))

    @classmethod
    def load(cls, out_dir):
        """The results of a finished sweep, read from out_dir/results.json."""
        with open(os.path.join(os.fspath(out_dir), "results.json")) as f:
            return cls(out_dir, json.load(f))

    @property
    def report(self):
        """The path of report.html, or None when it was not written."""
        path = os.path.join(self.out_dir, "report.html")
        return path if os.path.exists(path) else None

    def __len__(self):
        return len(self.points)

    def _model_entry(self, point, model):
        for entry in point.get("models", []):
            if entry.get("model") == model:
                return entry
        return None

    def column(self, key, model=None):
        """One value per point, in index order, as a numpy array.

        Args:
          key: a point key ("latency_us", "energy_pj", "area_mm2", "status",
            "pareto", "id"), an axis key ("array.rows", its value as a
            number) or a dotted path ("hardware.rows", "area.array"); with
            `model`, a key of that model's entry ("latency_us",
            "npu_cycles", "utilization", "energy_pj.dram", ...).
          model: a model name, or None for the point's own keys.

        Returns:
          float64 for numbers (NaN where a point has none: invalid and
          excluded points, failed models), bool for flags, object otherwise.

        Raises:
          Error: an unknown model.
        """
        if model is not None and model not in self.models:
            raise Error("unknown model '%s' (models: %s)" % (model, ", ".join(self.models)))
        values = []
        for point in self.points:
            if model is not None:
                entry = self._model_entry(point, model)
                values.append(None if entry is None else _lookup(entry, key))
                continue
            settings = point.get("settings", {})
            if key in settings:
                values.append(_to_number(settings[key]))
            else:
                values.append(_lookup(point, key))
        return _as_array(values)

    def pareto(self):
        """The ids of the Pareto-optimal points (latency, energy, area)."""
        return [p["id"] for p in self.points if p.get("pareto")]

    def to_records(self):
        """Flat rows, one per point and model (results.csv's), as dicts.

        Keys: id, index, status, reason, the axis settings, area_mm2,
        point_latency_us, point_energy_pj, pareto, model and the model's
        scalar results (latency_us, npu_cycles, utilization, energy_pj as its
        total, ...). A point without models (invalid, excluded) gives one
        row whose model keys are absent.
        """
        records = []
        for point in self.points:
            base = {"id": point.get("id"), "index": point.get("index"),
                    "status": point.get("status"), "reason": point.get("reason", "")}
            for key, value in point.get("settings", {}).items():
                base[key] = _to_number(value)
            for key in ("area_mm2", "pareto"):
                if key in point:
                    base[key] = point[key]
            if "latency_us" in point:
                base["point_latency_us"] = point["latency_us"]
            if "energy_pj" in point:
                base["point_energy_pj"] = point["energy_pj"]
            models = point.get("models") or []
            if not models:
                records.append(base)
            for entry in models:
                row = dict(base)
                for key, value in entry.items():
                    if key == "layers":
                        continue
                    if key == "energy_pj" and isinstance(value, dict):
                        value = value.get("total")
                    row[key] = value
                records.append(row)
        return records
