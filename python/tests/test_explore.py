# ===- test_explore.py - tessera.explore through executors --------------------===#
#
# A small sweep of tiny_cnn (a 2 x 2 grid over the array's shape, one point
# excluded by a constraint) run by the C++ tool and by tessera.explore.run
# through a process pool and a dask LocalCluster: the merged results.json
# must be byte-identical.
#
# ===--------------------------------------------------------------------------===#
import concurrent.futures
import multiprocessing
import os
import subprocess

import numpy as np
import pytest

import tessera
from tessera import explore

pytestmark = pytest.mark.skipif(not tessera._tessera.has_explore,
                                reason="built without lib/Explore")

BUILD_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(tessera.__file__))))
TOOL = os.path.join(BUILD_DIR, "bin", "tessera-explore")

SWEEP = """\
name: py-test
hardware: edge
models:
  - path: tiny_cnn.onnx
    input_shapes: [input=1,3,32,32]
    calibration_samples: 2
axes:
  array.rows: [8, 16]
  array.cols: [8, 16]
constraints: ["peak_macs_per_cycle <= 128"]
fidelity: {fidelity}
simulate_max: 2
"""


def write_sweep(directory, tiny_model, fidelity="analytic"):
    os.symlink(tiny_model, directory / "tiny_cnn.onnx")
    path = directory / "sweep.yaml"
    path.write_text(SWEEP.format(fidelity=fidelity))
    return path


@pytest.fixture(scope="module")
def sweep(tmp_path_factory, tiny_model):
    return write_sweep(tmp_path_factory.mktemp("sweep"), tiny_model)


@pytest.fixture(scope="module")
def tool_results(sweep, tmp_path_factory):
    """results.json of `tessera-explore` on the sweep."""
    out = tmp_path_factory.mktemp("tool")
    subprocess.run([TOOL, str(sweep), "-o", str(out)], check=True, capture_output=True)
    return (out / "results.json").read_bytes()


def test_load_and_plan(sweep):
    spec = explore.load(sweep)
    assert spec["name"] == "py-test" and spec["fidelity"] == "analytic"
    assert spec["models"][0]["name"] == "tiny_cnn"
    assert os.path.isabs(spec["models"][0]["path"])
    assert [a["key"] for a in spec["axes"]] == ["array.rows", "array.cols"]
    points = explore.plan(sweep)
    assert [p["id"] for p in points] == ["p0000", "p0001", "p0002", "p0003"]
    assert [p["runnable"] for p in points] == [True, True, True, False]
    assert "peak_macs_per_cycle <= 128" in points[3]["excluded_reason"]
    assert points[1]["settings"] == {"array.rows": "8", "array.cols": "16"}


def test_process_pool_matches_the_tool(sweep, tool_results, tmp_path, capsys):
    with concurrent.futures.ProcessPoolExecutor(
            max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = explore.run(sweep, tmp_path / "out", executor=pool, chunk_size=1)
    assert (tmp_path / "out" / "results.json").read_bytes() == tool_results
    assert (tmp_path / "out" / "report.html").exists()
    assert results.report == str(tmp_path / "out" / "report.html")
    err = capsys.readouterr().err
    assert "explore: 3/3 points (0 failed, 0 resumed)" in err
    assert "explore: 4 points: 3 ok, 0 failed, 0 invalid, 1 excluded" in err
    assert "this run evaluated 3 points and resumed 0" in results.summary
    assert len(results) == 4 and results.models == ["tiny_cnn"]
    assert results.column("status").tolist() == ["ok", "ok", "ok", "excluded"]
    np.testing.assert_array_equal(results.column("array.rows"), [8, 8, 16, 16])
    latency = results.column("latency_us")
    assert latency.dtype == np.float64
    assert np.all(latency[:3] > 0) and np.isnan(latency[3])
    cycles = results.column("npu_cycles", model="tiny_cnn")
    assert np.all(cycles[:3] > 0) and np.isnan(cycles[3])
    # A larger array is never slower on the same model.
    assert cycles[2] <= cycles[0]
    assert set(results.pareto()) <= {"p0000", "p0001", "p0002"} and results.pareto()
    records = results.to_records()
    assert len(records) == 4 and records[0]["model"] == "tiny_cnn"
    assert records[0]["array.cols"] == 8 and "model" not in records[3]
    with pytest.raises(tessera.Error, match="unknown model 'resnet'"):
        results.column("latency_us", model="resnet")


def test_a_second_run_resumes(sweep, tmp_path):
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        first = explore.run(sweep, tmp_path / "out", executor=pool, progress=False)
        again = explore.run(sweep, tmp_path / "out", executor=pool, progress=False)
    assert "this run evaluated 3 points and resumed 0" in first.summary
    assert "this run evaluated 0 points and resumed 3" in again.summary
    assert again.data == first.data


# tornado, under distributed, warns about its own event loop set-up.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_dask_cluster_matches_the_tool(sweep, tool_results, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        results = explore.run(sweep, tmp_path / "out", executor=client, progress=False)
    assert (tmp_path / "out" / "results.json").read_bytes() == tool_results
    assert results.data["sweep"] == "py-test"


@pytest.mark.parametrize("in_file, override", [("pareto", None), ("analytic", "pareto")])
def test_pareto_simulates_candidates(tiny_model, tmp_path, in_file, override):
    sweep = write_sweep(tmp_path, tiny_model, fidelity=in_file)
    flags = ["--fidelity=" + override] if override else []
    subprocess.run([TOOL, str(sweep), "-o", str(tmp_path / "tool")] + flags, check=True,
                   capture_output=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = explore.run(sweep, tmp_path / "out", executor=pool, fidelity=override,
                              progress=False)
    assert ((tmp_path / "out" / "results.json").read_bytes()
            == (tmp_path / "tool" / "results.json").read_bytes())
    assert results.data["fidelity"] == "pareto"
    simulated = sum(s is True for s in results.column("simulated", model="tiny_cnn"))
    assert 1 <= simulated <= 2  # simulate_max
    assert "simulated %d and resumed 0 simulations" % simulated in results.summary


@pytest.mark.parametrize("text, message", [
    (SWEEP.format(fidelity="analytic").replace("array.cols", "array.bogus"),
     "sweep.yaml:9:3: error: "),
    (SWEEP.format(fidelity="analytic").replace("fidelity: analytic", "fidelity: exact"),
     "sweep.yaml:11:11: error: "),
])
def test_bad_sweeps_raise_located_errors(tmp_path, tiny_model, text, message):
    os.symlink(tiny_model, tmp_path / "tiny_cnn.onnx")
    (tmp_path / "sweep.yaml").write_text(text)
    with pytest.raises(tessera.Error) as caught:
        explore.run(tmp_path / "sweep.yaml", tmp_path / "out", progress=False)
    assert message in str(caught.value)


def test_bad_fidelity_override_raises(sweep, tmp_path):
    with pytest.raises(tessera.Error, match="unknown fidelity 'exact'"):
        explore.run(sweep, tmp_path / "out", fidelity="exact", progress=False)
