# ===- conftest.py - fixtures of the tessera package's tests ------------------===#
#
# The tests import `tessera` from the build tree (PYTHONPATH=build/python, as
# test/python/pytest.test sets it) and generate their models at test time:
# tiny_cnn.onnx from python/scripts/make_example.py, calibration inputs from
# a seeded generator.
#
# ===--------------------------------------------------------------------------===#
import os
import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INPUT_SHAPE = (1, 3, 32, 32)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """tiny_cnn.onnx (dynamic batch; input `input`, output `logits`)."""
    path = tmp_path_factory.mktemp("model") / "tiny_cnn.onnx"
    subprocess.run([sys.executable, os.path.join(SOURCE_ROOT, "python", "scripts",
                                                 "make_example.py"), str(path)], check=True)
    return path


@pytest.fixture(scope="session")
def calibration_dir(tmp_path_factory):
    """Four standard-normal calibration inputs of tiny_cnn's shape."""
    path = tmp_path_factory.mktemp("calibration")
    for k in range(4):
        x = np.random.default_rng(100 + k).standard_normal(INPUT_SHAPE).astype(np.float32)
        np.save(path / ("%04d.npy" % k), x)
    return path


@pytest.fixture
def sample_input():
    return np.random.default_rng(0).standard_normal(INPUT_SHAPE).astype(np.float32)


def _conv(x, w, b, stride=1):
    n, c, h, wd = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    oh, ow = (h + 2 - 3) // stride + 1, (wd + 2 - 3) // stride + 1
    y = np.zeros((n, w.shape[0], oh, ow), np.float64)
    for i in range(3):
        for j in range(3):
            patch = xp[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
            y += np.einsum("nchw,fc->nfhw", patch, w[:, :, i, j])
    return y + b[None, :, None, None]


def tiny_cnn_reference(model_path, x):
    """tiny_cnn's logits for `x`, computed with numpy from its initializers."""
    w = {t.name: numpy_helper.to_array(t) for t in onnx.load(str(model_path)).graph.initializer}
    channel = (slice(None), None, None)
    y = _conv(x, w["stem.w"], w["stem.b"], 2)
    y = ((y - w["bn.mean"][channel]) / np.sqrt(w["bn.var"][channel] + 1e-5) * w["bn.scale"][channel]
         + w["bn.bias"][channel])
    y = np.maximum(y, 0)
    y = y.reshape(1, 16, 8, 2, 8, 2).max(axis=(3, 5))
    z = np.maximum(_conv(y, w["block.conv1.w"], w["block.conv1.b"]), 0)
    z = _conv(z, w["block.conv2.w"], w["block.conv2.b"])
    y = np.maximum(y + z, 0).mean(axis=(2, 3))
    return (y @ w["fc.w"].T + w["fc.b"]).astype(np.float32)
