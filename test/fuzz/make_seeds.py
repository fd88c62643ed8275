#!/usr/bin/env python3
# ===- make_seeds.py - regenerate the fuzz seed corpora and dictionaries ----===#
#
# Usage: make_seeds.py [TESSERA_TRANSLATE]
# Writes test/fuzz/corpus/<target>/ (a few small inputs each, checked in; the
# regression-* inputs of crashes-found/ are kept) and
# test/fuzz/npu_asm.dict. NPU binaries are assembled from the assembly seeds
# with tessera-translate (default build/bin/tessera-translate). Needs onnx and
# numpy (/usr/bin/python3 on Debian).
#
# ===-----------------------------------------------------------------------===#
import io
import os
import re
import subprocess
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")


def out(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    mode = "w" if isinstance(data, str) else "wb"
    with open(os.path.join(d, name), mode) as f:
        f.write(data)


def npu_seeds(translate):
    asm = {"sim_tile.s": "test/Sim/Inputs/tile.s",
           "binary_tile.s": "test/NPU/binary/Inputs/tile.s",
           "binary_v2.s": "test/NPU/binary/Inputs/v2.s"}
    for name, src in asm.items():
        out("npu_asm", name, open(os.path.join(ROOT, src)).read())
        bin_path = os.path.join(CORPUS, "npu_binary", name[:-2] + ".bin")
        os.makedirs(os.path.dirname(bin_path), exist_ok=True)
        subprocess.run([translate, "--npu-asm-to-bin", os.path.join(ROOT, src),
                        "-o", bin_path], check=True)
    # The head of the double-buffered matmul: its first two layers.
    lines = open(os.path.join(ROOT, "test/Sim/Inputs/matmul_double.s")).read().splitlines()
    ends = [i for i, l in enumerate(lines) if l.startswith(".endlayer")]
    out("npu_asm", "matmul_head.s", "\n".join(lines[: ends[1] + 1]) + "\nfinish\n")
    for f in sorted(os.listdir(os.path.join(ROOT, "lib/NPU/presets"))):
        out("npu_hw", "preset_" + f,
            open(os.path.join(ROOT, "lib/NPU/presets", f)).read())
    hw_inputs = os.path.join(ROOT, "test/NPU/hw/Inputs")
    for f in ("minimal.yaml", "output-stationary.yaml", "unknown-key.yaml",
              "impossible-sizes.yaml", "bank-mismatch.yaml"):
        out("npu_hw", f, open(os.path.join(hw_inputs, f)).read())
    out("npu_hw", "sim-test-hw.yaml",
        open(os.path.join(ROOT, "test/Sim/Inputs/test-hw.yaml")).read())
    # A dictionary of mnemonics, field names and directives, from ISA.def.
    isa = open(os.path.join(ROOT, "include/tessera/NPU/ISA.def")).read()
    words = set(re.findall(r'TESSERA_NPU_OPCODE\(\w+, "(\w+)"', isa))
    words |= {m + "=" for m in re.findall(r"TESSERA_NPU_FIELD\(\w+, (\w+),", isa)}
    words |= {".dram_bytes", ".constants_addr", ".tensor", ".layer", ".endlayer",
              ".data", "input", "output", "push_next", "pop_prev", "i8", "i32",
              "mem=acc", "mem=sp", "func=requant", "func=lut", "@ 0x"}
    with open(os.path.join(HERE, "npu_asm.dict"), "w") as f:
        f.write("# NPU assembly tokens (make_seeds.py, from ISA.def)\n")
        for w in sorted(words):
            f.write('"%s"\n' % w.replace("\\", "\\\\").replace('"', '\\"'))


def npy_bytes(array, version=None):
    buf = io.BytesIO()
    if version:
        np.lib.format.write_array(buf, array, version=version)
    else:
        np.save(buf, array)
    return buf.getvalue()


def reader_seeds():
    rng = np.random.default_rng(0)
    arrays = {
        "f32_2x3": rng.standard_normal((2, 3)).astype(np.float32),
        "i64_scalar": np.array(7, np.int64),
        "bool_4": np.array([True, False, True, True]),
        "f16_3": np.array([1.0, -2.5, 65504], np.float16),
        "u8_empty": np.zeros((0, 4), np.uint8),
        "i32_1x2x2": np.arange(4, dtype=np.int32).reshape(1, 2, 2),
    }
    for name, a in arrays.items():
        out("npy", name + ".npy", npy_bytes(a))
        t = numpy_helper.from_array(a, name)
        out("tensorproto", name + ".pb", t.SerializeToString())
    out("npy", "f64_v2.npy", npy_bytes(np.ones((2, 2), np.float64), (2, 0)))
    typed = helper.make_tensor("typed", TensorProto.FLOAT, [2, 2], [1, 2, 3, 4])
    out("tensorproto", "typed_float.pb", typed.SerializeToString())
    typed64 = helper.make_tensor("shape", TensorProto.INT64, [3], [1, -1, 4])
    out("tensorproto", "typed_int64.pb", typed64.SerializeToString())
    # External data: the fuzzer puts a 64-byte data.bin next to the input.
    ext = helper.make_tensor("ext", TensorProto.FLOAT, [4], [0, 0, 0, 0])
    ext.ClearField("float_data")
    ext.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "data.bin"), ("offset", "16"), ("length", "16")):
        e = ext.external_data.add()
        e.key, e.value = k, v
    out("tensorproto", "external.pb", ext.SerializeToString())


def onnx_seeds():
    sys.path.insert(0, os.path.join(ROOT, "test/Target/ONNX/Inputs"))
    import make_models as mm
    for case in ("conv_relu", "dynamic_reshape", "add_bcast", "upgrade",
                 "unsupported_ops", "bad_raw_data"):
        out("onnx_import", case + ".model", mm.CASES[case]().SerializeToString())

    def vi(name, shape, dtype=TensorProto.FLOAT):
        return helper.make_tensor_value_info(name, dtype, shape)

    # Gemm + Reshape with an int64 shape initializer, then Softmax.
    w = numpy_helper.from_array(np.ones((4, 6), np.float32), "w")
    shape = numpy_helper.from_array(np.array([1, 2, 3], np.int64), "shape")
    g = helper.make_graph(
        [helper.make_node("Gemm", ["x", "w"], ["g"], transB=0),
         helper.make_node("Reshape", ["g", "shape"], ["r"]),
         helper.make_node("Softmax", ["r"], ["y"], axis=-1)],
        "gemm", [vi("x", [1, 4])], [vi("y", [1, 2, 3])], [w, shape])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    out("onnx_import", "gemm_reshape.model", m.SerializeToString())
    # MaxPool + Flatten + external weights in the fuzzer's data.bin.
    wext = helper.make_tensor("wext", TensorProto.FLOAT, [4, 4], [0] * 16)
    wext.ClearField("float_data")
    wext.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "data.bin"), ("offset", "0"), ("length", "64")):
        e = wext.external_data.add()
        e.key, e.value = k, v
    g = helper.make_graph(
        [helper.make_node("MaxPool", ["x"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
         helper.make_node("Flatten", ["p"], ["f"]),
         helper.make_node("MatMul", ["f", "wext"], ["y"])],
        "pool", [vi("x", [1, 1, 4, 4])], [vi("y", [1, 4])], [wext])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    out("onnx_import", "pool_external.model", m.SerializeToString())


def main():
    translate = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        ROOT, "build/bin/tessera-translate")
    # Regression seeds (crashes-found inputs, `regression-*`) are kept.
    for d, _, files in os.walk(CORPUS):
        for f in files:
            if not f.startswith("regression-"):
                os.remove(os.path.join(d, f))
    npu_seeds(translate)
    reader_seeds()
    onnx_seeds()


if __name__ == "__main__":
    main()
