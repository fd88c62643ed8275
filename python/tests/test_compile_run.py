# ===- test_compile_run.py - tessera.compile, run, simulate -------------------===#
import platform

import numpy as np
import pytest

import tessera
from conftest import tiny_cnn_reference

SHAPES = {"input": (1, 3, 32, 32)}


def test_cpu_compile_and_run_match_the_numpy_reference(tiny_model, sample_input, tmp_path):
    info = tessera.compile(tiny_model, tmp_path / "tiny.cpu", input_shapes=SHAPES,
                           report="fusion")
    assert info["manifest"]["target"] == "cpu"
    assert [i["name"] for i in info["manifest"]["inputs"]] == ["input"]
    # The fusion report: every ONNX node of the model, where it ended.
    assert len(info["report"]["nodes"]) == 16
    result = tessera.run(info["output"], {"input": sample_input})
    assert "npu_report" not in result
    logits = result["outputs"]["logits"]
    assert logits.shape == (1, 10) and logits.dtype == np.float32
    np.testing.assert_allclose(logits, tiny_cnn_reference(tiny_model, sample_input),
                               rtol=1e-3, atol=1e-4)


def test_cpu_level_is_recorded_and_runs(tiny_model, sample_input, tmp_path):
    if platform.machine() != "x86_64":
        pytest.skip("cpu names an x86-64 CPU")
    info = tessera.compile(tiny_model, tmp_path / "tiny.cpu", input_shapes=SHAPES,
                           cpu="x86-64-v2", cpu_features="+popcnt")
    assert info["manifest"]["format_version"] == 2
    assert info["manifest"]["cpu"]["name"] == "x86-64-v2"
    assert "sse4.2" in info["manifest"]["cpu"]["features"]
    assert not any(f.startswith("avx") for f in info["manifest"]["cpu"]["features"])
    logits = tessera.run(info["output"], {"input": sample_input})["outputs"]["logits"]
    np.testing.assert_allclose(logits, tiny_cnn_reference(tiny_model, sample_input),
                               rtol=1e-3, atol=1e-4)
    with pytest.raises(tessera.CompileError) as error:
        tessera.compile(tiny_model, tmp_path / "bad.cpu", input_shapes=SHAPES, cpu="x86-64-v5")
    assert error.value.exit_code == 2
    assert "--cpu=x86-64-v5: unknown x86-64 CPU" in error.value.diagnostics


def test_run_takes_npy_paths(tiny_model, sample_input, tmp_path):
    tessera.compile(tiny_model, tmp_path / "tiny.cpu", input_shapes=["input=1,3,32,32"])
    np.save(tmp_path / "x.npy", sample_input)
    by_path = tessera.run(tmp_path / "tiny.cpu", {"input": tmp_path / "x.npy"})
    by_array = tessera.run(tmp_path / "tiny.cpu", {"#0": sample_input})
    np.testing.assert_array_equal(by_path["outputs"]["logits"], by_array["outputs"]["logits"])


def test_npu_int8_simulates_with_a_per_layer_report(tiny_model, calibration_dir, sample_input,
                                                    tmp_path):
    quant = dict(input_shapes=SHAPES, quantize="int8", calibration=calibration_dir,
                 calibration_cache=tmp_path / "stats.json")
    npu = tessera.compile(tiny_model, tmp_path / "tiny.npu", target="npu", hw="edge",
                          report="placement", **quant)
    placed = {node["place"] for node in npu["report"]["nodes"]}
    assert placed == {"host", "npu"}
    # The CPU's int8 build of the same statistics is the bit-exact reference.
    tessera.compile(tiny_model, tmp_path / "tiny.int8", target="cpu", **quant)
    simulated = tessera.simulate(tmp_path / "tiny.npu", {"input": sample_input})
    host = tessera.run(tmp_path / "tiny.int8", {"input": sample_input})
    np.testing.assert_array_equal(simulated["outputs"]["logits"], host["outputs"]["logits"])
    np.testing.assert_allclose(simulated["outputs"]["logits"],
                               tiny_cnn_reference(tiny_model, sample_input), atol=0.1, rtol=0.1)
    report = simulated["npu_report"]
    assert report["hardware"]["name"] == "edge"
    assert len(report["layers"]) >= 4
    for layer in report["layers"]:
        assert layer["cycles"] > 0 and layer["macs"] >= 0 and layer["bound"]
    assert report["total"]
    quiet = tessera.run(tmp_path / "tiny.npu", {"input": sample_input}, npu_report=False)
    assert "npu_report" not in quiet


def test_npu_takes_a_hardware_dict(tiny_model, calibration_dir, sample_input, tmp_path):
    hw = tessera.hardware("edge", **{"array.rows": 8, "array.cols": 8})
    tessera.compile(tiny_model, tmp_path / "small.npu", target="npu", hw=hw, input_shapes=SHAPES,
                    quantize="int8", calibration=calibration_dir)
    report = tessera.simulate(tmp_path / "small.npu", {"input": sample_input})["npu_report"]
    assert (report["hardware"]["rows"], report["hardware"]["cols"]) == (8, 8)
    assert report["hardware"]["peak_macs_per_cycle"] == 64


def test_compile_error_on_a_missing_model(tmp_path):
    with pytest.raises(tessera.CompileError) as caught:
        tessera.compile(tmp_path / "missing.onnx", tmp_path / "out")
    assert caught.value.exit_code == 1
    assert str(tmp_path / "missing.onnx") + ": error: no such file" in caught.value.diagnostics
    assert isinstance(caught.value, tessera.Error)


@pytest.mark.parametrize("options, message", [
    (dict(target="bogus"), "unknown target 'bogus' (targets: cpu, npu"),
    (dict(quantize="int4"), "unknown --quantize mode 'int4' (modes: int8)"),
    (dict(quantize="int8"), "--quantize=int8 needs calibration inputs"),
    (dict(report="kernels"), "the kernels report needs --target=gpu"),
    (dict(hw="edge"), "the cpu target takes no hardware description (--hw)"),
    (dict(input_shapes=["input"]), "--input-shape expects name=d0,d1,..., got 'input'"),
])
def test_compile_error_on_bad_options(tiny_model, tmp_path, options, message):
    with pytest.raises(tessera.CompileError) as caught:
        tessera.compile(tiny_model, tmp_path / "out", **options)
    assert caught.value.exit_code == 2
    assert "error: " + message in caught.value.diagnostics
    assert not (tmp_path / "out").exists()


def test_run_errors(tiny_model, sample_input, tmp_path):
    with pytest.raises(tessera.RunError) as caught:
        tessera.run(tmp_path / "nothing", {"input": sample_input})
    assert caught.value.exit_code == 1
    assert "manifest.json: cannot read" in str(caught.value)
    tessera.compile(tiny_model, tmp_path / "tiny.cpu", input_shapes=SHAPES)
    with pytest.raises(tessera.RunError) as caught:
        tessera.run(tmp_path / "tiny.cpu", {"image": sample_input})
    assert caught.value.exit_code == 2
    assert "image" in str(caught.value)


def test_errors_survive_pickling(tmp_path):
    # An executor's worker raises them in another process.
    import pickle
    with pytest.raises(tessera.CompileError) as caught:
        tessera.compile(tmp_path / "missing.onnx", tmp_path / "out")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (type(copy), copy.exit_code, copy.diagnostics, str(copy)) == (
        tessera.CompileError, 1, caught.value.diagnostics, str(caught.value))
    error = pickle.loads(pickle.dumps(tessera.RunError("bad input", 2, "log")))
    assert (error.exit_code, error.log, str(error)) == (2, "log", "bad input")
