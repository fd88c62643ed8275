# ===- __init__.py - the tessera Python package -------------------------------===#
#
# Part of Tessera. Python over the compiler's C++ entry points
# (docs/python.md): compile a model, run an artifact (on the CPU, or on the
# NPU simulator with its per-layer report), describe NPU hardware, and sweep
# hardware designs over whole models (tessera.explore). Results are dicts and
# numpy arrays; failures raise tessera.Error and its subclasses.
#
# ===--------------------------------------------------------------------------===#
"""Tessera: compile ONNX models, run them, explore NPU hardware designs.

    import tessera
    info = tessera.compile("model.onnx", "model.cpu", target="cpu")
    result = tessera.run("model.cpu", {"input": x})
    result["outputs"]["logits"]          # numpy array

See docs/python.md for every function, and tessera.explore for sweeps.
"""

import json
import os
import tempfile

import numpy as np

__all__ = [
    "Error",
    "CompileError",
    "RunError",
    "compile",
    "run",
    "simulate",
    "hardware",
    "presets",
    "explore",
]


class Error(Exception):
    """A Tessera error: a bad argument, hardware description or sweep file.

    The message is the C++ library's, located where it can be
    ("sweep.yaml:4:3: error: ...").
    """


class CompileError(Error):
    """The compiler failed.

    Attributes:
      exit_code: tessera-compile's exit code: 2 bad options, 1 the model
        could not be compiled.
      diagnostics: the compiler's located diagnostics, one per line
        ("model.onnx: node 'conv1': error: ...").
    """

    def __init__(self, diagnostics, exit_code):
        super().__init__(diagnostics.strip() or "compilation failed (exit code %d)" % exit_code)
        self.diagnostics = diagnostics
        self.exit_code = exit_code

    def __reduce__(self):  # picklable across an executor's processes
        return type(self), (self.diagnostics, self.exit_code)


class RunError(Error):
    """Running an artifact failed.

    Attributes:
      exit_code: tessera-run's exit code: 2 bad options (an unknown input,
        an NPU report of a non-NPU artifact), 1 the run failed.
      log: what the run printed before failing.
    """

    def __init__(self, message, exit_code, log=""):
        super().__init__(message.strip() or "run failed (exit code %d)" % exit_code)
        self.exit_code = exit_code
        self.log = log
        self._message = message

    def __reduce__(self):
        return type(self), (self._message, self.exit_code, self.log)


# The extension raises the classes above, so it is imported after them.
from . import _tessera  # noqa: E402

# The report each target writes as JSON when none is named (Driver.h's
# getJSONReportKind): asking for it needs no text report on stdout.
_DEFAULT_REPORTS = {"npu": "placement"}


def _default_report(target, quantize):
    if target in _DEFAULT_REPORTS:
        return _DEFAULT_REPORTS[target]
    return "quant" if quantize else "fusion"


def _hardware_arg(hw, scratch):
    """A hardware argument as tessera-compile's --hw takes it."""
    if hw is None:
        return ""
    if isinstance(hw, dict):
        # JSON is YAML: a dict of tessera.hardware() goes back as a file.
        path = os.path.join(scratch, "hardware.yaml")
        with open(path, "w") as f:
            json.dump(hw, f)
        return path
    return os.fspath(hw)


def compile(model, output, *, target="cpu", hw=None, input_shapes=None, quantize=None,
            calibration=None, calibration_cache=None, emit=None, report=None,
            cpu=None, cpu_features=None):
    """Compiles an ONNX model, as tessera-compile does.

    Args:
      model: the .onnx file (or an .mlir module of the nn dialect).
      output: the artifact directory; with `emit`, the file the stage is
        written to.
      target: "cpu", "npu", "gpu", ... (tessera-compile --list-targets).
      hw: the npu target's hardware: a preset name ("edge", "mid",
        "large"), a YAML file, or a dict of tessera.hardware().
      input_shapes: pins of dynamic input dims, {"input": (1, 3, 32, 32)} or
        ["input=1,3,32,32"].
      quantize: "int8", or None for a float compilation.
      calibration: a directory of calibration inputs (docs/quantization.md).
      calibration_cache: the statistics file, read when it exists and
        written after calibrating.
      emit: stop after this stage ("nn", "linalg", ...) and write it.
      report: "fusion", "quant", "placement" (npu) or "kernels" (gpu): the
        report to return as a dict.
      cpu: the x86-64 CPU the code is compiled for ("x86-64-v3", "znver4",
        ...; None or "native": this host's), as --cpu.
      cpu_features: "+feature,-feature,..." on top of the CPU's, as
        --cpu-features.

    Returns:
      {"output": path, "target": name, "diagnostics": warnings (text),
       "report": the report as a dict (None unless asked for),
       "manifest": the artifact's manifest.json (None with `emit`)}

    Raises:
      CompileError: with the located diagnostics and the exit code (2 bad
        options, 1 the model could not be compiled).
    """
    if isinstance(input_shapes, dict):
        input_shapes = ["%s=%s" % (name, ",".join(str(d) for d in dims))
                        for name, dims in input_shapes.items()]
    with tempfile.TemporaryDirectory(prefix="tessera-compile-") as scratch:
        options = {
            "input": os.fspath(model),
            "output": os.fspath(output),
            "target": target or "",
            "emit": emit or "",
            "input_shapes": list(input_shapes or []),
            "hardware": _hardware_arg(hw, scratch),
            "quantize": quantize or "",
            "calibration": os.fspath(calibration) if calibration else "",
            "calibration_cache": os.fspath(calibration_cache) if calibration_cache else "",
            "cpu": cpu or "native",
            "cpu_features": cpu_features or "",
        }
        report_file = None
        if report:
            report_file = os.path.join(scratch, "report.json")
            options["report_json"] = report_file
            # The text form goes to stdout: ask for it only when the JSON
            # one differs from the target's default.
            if report != _default_report(target, quantize):
                options["report"] = report
        code, diagnostics = _tessera.compile(options)
        if code != 0:
            raise CompileError(diagnostics, code)
        result = {"output": os.fspath(output), "target": target,
                  "diagnostics": diagnostics, "report": None, "manifest": None}
        if report_file and os.path.exists(report_file):
            with open(report_file) as f:
                result["report"] = json.load(f)
    manifest = os.path.join(os.fspath(output), "manifest.json")
    if not emit and os.path.exists(manifest):
        with open(manifest) as f:
            result["manifest"] = json.load(f)
    return result


def _is_npu_artifact(artifact):
    try:
        with open(os.path.join(os.fspath(artifact), "manifest.json")) as f:
            return json.load(f).get("target") == "npu"
    except (OSError, ValueError):
        return False


def run(artifact, inputs, *, npu_report=True):
    """Runs a compiled artifact on inputs, as tessera-run does.

    Args:
      artifact: the directory tessera.compile wrote.
      inputs: {input name: numpy array or path to a .npy / TensorProto
        .pb file}; "#0", "#1", ... bind by position.
      npu_report: for artifacts of the npu target (run on the simulator),
        also return the NPU report of the run.

    Returns:
      {"outputs": {name: numpy array}, "log": what the run printed, and for
       npu artifacts with npu_report, "npu_report": the per-layer report
       (tessera-run --npu-report-json) as a dict}

    Raises:
      RunError: with tessera-run's message and exit code.
    """
    artifact = os.fspath(artifact)
    with tempfile.TemporaryDirectory(prefix="tessera-run-") as scratch:
        specs = []
        for k, (name, value) in enumerate(inputs.items()):
            if isinstance(value, (str, os.PathLike)):
                path = os.fspath(value)
            else:
                path = os.path.join(scratch, "input%d.npy" % k)
                np.save(path, np.asarray(value))
            specs.append("%s=%s" % (name, path))
        out_dir = os.path.join(scratch, "outputs")
        report = ""
        if npu_report and _is_npu_artifact(artifact):
            report = os.path.join(scratch, "npu-report.json")
        code, log, errors = _tessera.run(artifact, specs, out_dir, report)
        if code != 0:
            raise RunError(errors, code, log)
        outputs = {}
        if os.path.isdir(out_dir):
            for file in sorted(os.listdir(out_dir)):
                if file.endswith(".npy"):
                    outputs[file[:-4]] = np.load(os.path.join(out_dir, file))
        result = {"outputs": outputs, "log": log}
        if report:
            with open(report) as f:
                result["npu_report"] = json.load(f)
    return result


def simulate(artifact, inputs, *, npu_report=True):
    """Runs an npu-target artifact on the NPU simulator.

    The same as tessera.run (the runtime simulates npu artifacts); the
    result's "npu_report" holds the simulated per-layer report: predicted
    and simulated cycles, utilization, DRAM traffic, energy, bound.
    """
    return run(artifact, inputs, npu_report=npu_report)


def _yaml_scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def hardware(spec="edge", **settings):
    """An NPU hardware description as a dict (its canonical form).

    Args:
      spec: a preset name ("edge", "mid", "large") or a YAML file.
      settings: dotted keys of the canonical form with their values, like
        tessera-compile --hw-set: hardware("edge", **{"array.rows": 32});
        a double underscore stands for the dot: hardware(array__rows=32).

    Returns:
      The description as nested dicts ({"array": {"rows": 32, ...}, ...});
      compile(hw=...) takes it back.

    Raises:
      Error: an unknown preset or unreadable file, an unknown key (with the
        list of keys), a value out of range.
    """
    pairs = ["%s=%s" % (key.replace("__", "."), _yaml_scalar(value))
             for key, value in settings.items()]
    _, description = _tessera.hardware(os.fspath(spec), pairs)
    return description


def presets():
    """The names of the shipped hardware presets."""
    return list(_tessera.presets())


from . import explore  # noqa: E402,F401
