"""End to end check of tessera-quantize (test/Transforms/quantize-e2e.test).

  quantize_e2e.py make DIR     a float ONNX model (Conv+ReLU, a residual
                               block Conv, Add, ReLU, then MaxPool,
                               Flatten, Gemm), a test input, and the
                               calibration statistics of its float
                               activations over 16 random inputs
                               (stats.json, keys as enumerateQuantPoints
                               gives them)
  quantize_e2e.py make-gap DIR the same Conv+ReLU, then GlobalAveragePool
                               and Flatten (output [1, 4])
  quantize_e2e.py check-gap DIR SO
  quantize_e2e.py make-act DIR the same Conv+ReLU, then Sigmoid, HardSwish
                               (one lookup table), AveragePool 3x3 stride
                               2 pad 1 (count_include_pad=1) and Flatten
  quantize_e2e.py check-act DIR SO
  quantize_e2e.py check DIR SO runs the compiled model (SO, a shared library
                               of the CPU path) on the test input and
                               compares with a numpy implementation of the
                               integer graph (min/max observer, asymmetric
                               activations, per-channel weights): bit-exact;
                               prints the SQNR against the float model
"""
import ctypes
import json
import math
import sys

import numpy as np

C_IN, C_OUT, HW, CLASSES = 3, 4, 8, 10


def conv2d(x, w, b=None):
    """3x3 conv, pad 1, stride 1, in the dtype of x and w (int64 or f64)."""
    n, c, h, wd = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    cols = np.stack([xp[:, :, i:i + h, j:j + wd] for i in range(3) for j in range(3)], axis=2)
    # cols: n, c, 9, h, w ; w: o, c, 3, 3
    y = np.einsum("ncKhw,ocK->nohw", cols, w.reshape(w.shape[0], c, 9))
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    return y


def maxpool(x):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def weights():
    rng = np.random.default_rng(7)
    return {
        "conv.weight": (rng.standard_normal((C_OUT, C_IN, 3, 3)) * 0.3).astype(np.float32),
        "conv.bias": (rng.standard_normal(C_OUT) * 0.1).astype(np.float32),
        "conv2.weight": (rng.standard_normal((C_OUT, C_OUT, 3, 3)) * 0.2).astype(np.float32),
        "conv2.bias": (rng.standard_normal(C_OUT) * 0.1).astype(np.float32),
        "fc.weight": (rng.standard_normal((CLASSES, C_OUT * 16)) * 0.2).astype(np.float32),
        "fc.bias": (rng.standard_normal(CLASSES) * 0.1).astype(np.float32),
    }


def float_model(x, p):
    """The float activations by key, in float32."""
    acts = {"input": x}
    acts["conv"] = conv2d(x.astype(np.float64), p["conv.weight"].astype(np.float64),
                          p["conv.bias"].astype(np.float64)).astype(np.float32)
    acts["relu"] = np.maximum(acts["conv"], 0)
    acts["conv2"] = conv2d(acts["relu"].astype(np.float64), p["conv2.weight"].astype(np.float64),
                           p["conv2.bias"].astype(np.float64)).astype(np.float32)
    acts["add"] = acts["relu"] + acts["conv2"]
    acts["relu2"] = np.maximum(acts["add"], 0)
    acts["pool:0"] = maxpool(acts["relu2"])
    acts["flat"] = acts["pool:0"].reshape(1, -1)
    acts["fc"] = (acts["flat"].astype(np.float64) @ p["fc.weight"].T.astype(np.float64)
                  + p["fc.bias"]).astype(np.float32)
    return acts


def make(out):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    p = weights()
    nodes = [
        helper.make_node("Conv", ["input", "conv.weight", "conv.bias"], ["c"], name="conv",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("Conv", ["r", "conv2.weight", "conv2.bias"], ["c2"], name="conv2",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Add", ["r", "c2"], ["a"], name="add"),
        helper.make_node("Relu", ["a"], ["r2"], name="relu2"),
        helper.make_node("MaxPool", ["r2"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["f"], name="flat", axis=1),
        helper.make_node("Gemm", ["f", "fc.weight", "fc.bias"], ["y"], name="fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes, "qnet",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, C_IN, HW, HW])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, CLASSES])],
        [numpy_helper.from_array(v, k) for k, v in p.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, f"{out}/model.onnx")

    rng = np.random.default_rng(11)
    calib = [rng.standard_normal((1, C_IN, HW, HW)).astype(np.float32) for _ in range(16)]
    np.save(f"{out}/x.npy", rng.standard_normal((1, C_IN, HW, HW)).astype(np.float32))
    seen = {}
    for x in calib:
        for key, v in float_model(x, p).items():
            seen.setdefault(key, []).append(v.ravel().astype(np.float64))
    tensors = []
    for key in ["input", "conv", "relu", "conv2", "add", "relu2", "pool:0", "flat", "fc"]:
        v = np.concatenate(seen[key])
        lo, hi = float(v.min()), float(v.max())
        counts, _ = np.histogram(v, bins=128, range=(lo, hi))
        tensors.append({"key": key, "min": lo, "max": hi, "count": int(v.size),
                        "histogram": {"lo": lo, "hi": hi, "counts": [int(c) for c in counts]}})
    stats = {"format": "tessera-calibration", "version": 1, "model_digest": "e2e",
             "num_inputs": len(calib), "tensors": tensors}
    with open(f"{out}/stats.json", "w") as f:
        json.dump(stats, f)


# The integer graph, as tessera-quantize builds it (docs/npu/numerics.md).

def act_params(stats, key):
    t = next(t for t in stats["tensors"] if t["key"] == key)
    lo, hi = min(t["min"], 0.0), max(t["max"], 0.0)
    scale = (hi - lo) / 255.0
    if not scale > 0:
        scale = 1.0
    zp = int(np.clip(np.rint(-128.0 - lo / scale), -128, 127))
    return float(np.float32(scale)), zp


def quantize(x, scale, zp):
    q = np.rint(x.astype(np.float32) / np.float32(scale)).astype(np.int64) + zp
    return np.clip(q, -128, 127)


def weight_quant(w):
    """Per-output-channel (dim 0) symmetric int8."""
    w = w.astype(np.float64)
    m = np.abs(w.reshape(w.shape[0], -1)).max(axis=1)
    s = np.where(m > 0, m / 127.0, 1.0)
    q = np.rint(w / s.reshape((-1,) + (1,) * (w.ndim - 1))).astype(np.int64)
    return np.clip(q, -128, 127), s


def encode(real):
    mant, exp = math.frexp(real)
    mult = int(math.floor(math.ldexp(mant, 31) + 0.5))
    if mult == 1 << 31:
        mult >>= 1
        exp += 1
    shift = 31 - exp
    assert 0 <= shift <= 63
    return mult, shift


def requantize(acc, reals, zp, lo, hi, axis):
    out = np.empty(acc.shape, dtype=np.int64)
    for c, real in enumerate(reals):
        mult, shift = encode(real)
        idx = [slice(None)] * acc.ndim
        idx[axis] = c
        p = acc[tuple(idx)].astype(np.int64) * mult
        r = p if shift == 0 else (p + (1 << (shift - 1))) >> shift
        out[tuple(idx)] = np.clip(r + zp, lo, hi)
    return out


def rescale(acc, real, zp, lo, hi):
    """A per-tensor requantize."""
    return requantize(acc[np.newaxis], [real], zp, lo, hi, 0)[0]


ADD_SHIFT = 20


def int_add(a, sa, za, b, sb, zb, sy, zy, lo):
    """The integer Add: each operand less its zero point rescaled in int32 to
    2 * max(sa, sb) / 2^20, summed, requantized to int8 with the clamp."""
    common = 2 * max(sa, sb) / float(1 << ADD_SHIFT)
    i32 = (-(1 << 31), (1 << 31) - 1)
    ra = rescale(a - za, sa / common, 0, *i32)
    rb = rescale(b - zb, sb / common, 0, *i32)
    s = ra + rb
    assert np.all(np.abs(s) < (1 << 31))
    return rescale(s, common / sy, zy, lo, 127)


def int_model(x, p, stats):
    sx, zx = act_params(stats, "input")
    sr, zr = act_params(stats, "relu")
    sy, zy = act_params(stats, "fc")
    xq = quantize(x, sx, zx)
    wq, sw = weight_quant(p["conv.weight"])
    bq = np.rint(p["conv.bias"].astype(np.float64) / (sx * sw)).astype(np.int64)
    acc = conv2d(xq - zx, wq, bq)
    relu_lo = max(-128, zr)
    r = requantize(acc, [sx * s / sr for s in sw], zr, relu_lo, 127, 1)
    sc, zc = act_params(stats, "conv2")
    sa, za = act_params(stats, "relu2")
    wq2, sw2 = weight_quant(p["conv2.weight"])
    bq2 = np.rint(p["conv2.bias"].astype(np.float64) / (sr * sw2)).astype(np.int64)
    c2 = requantize(conv2d(r - zr, wq2, bq2), [sr * s / sc for s in sw2], zc, -128, 127, 1)
    a = int_add(r, sr, zr, c2, sc, zc, sa, za, max(-128, za))
    f = maxpool(a).reshape(1, -1)
    fq, fs = weight_quant(p["fc.weight"])  # [N, K], per N
    fb = np.rint(p["fc.bias"].astype(np.float64) / (sa * fs)).astype(np.int64)
    acc = (f - za) @ fq.T + fb
    yq = requantize(acc, [sa * s / sy for s in fs], zy, -128, 127, 1)
    return ((yq - zy).astype(np.float32) * np.float32(sy)).astype(np.float32)


def check(out, so):
    p = weights()
    stats = json.load(open(f"{out}/stats.json"))
    x = np.load(f"{out}/x.npy")
    lib = ctypes.CDLL(so)
    y = np.zeros((1, CLASSES), dtype=np.float32)
    fn = getattr(lib, sys.argv[4] if len(sys.argv) > 4 else "main")
    fn(x.ctypes.data_as(ctypes.c_void_p), y.ctypes.data_as(ctypes.c_void_p))
    ref = int_model(x, p, stats)
    mismatches = int(np.sum(y != ref))
    print(f"int8 graph vs numpy integer formula: {y.size} values, {mismatches} mismatches")
    if mismatches:
        print("compiled", y.ravel())
        print("numpy   ", ref.ravel())
    fl = float_model(x, p)["fc"]
    sqnr = 10 * math.log10(np.sum(fl.astype(np.float64) ** 2) /
                           max(np.sum((fl.astype(np.float64) - y) ** 2), 1e-30))
    print(f"SQNR vs float: {sqnr:.1f} dB")
    print("SQNR above 25 dB" if sqnr > 25 else "SQNR too low")


def gap_float_model(x, p):
    acts = float_model(x, p)
    gap = {k: acts[k] for k in ("input", "conv", "relu")}
    gap["gap"] = acts["relu"].astype(np.float64).mean(axis=(2, 3), keepdims=True).astype(np.float32)
    gap["out"] = gap["gap"].reshape(1, -1)
    return gap


def make_gap(out):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    p = {k: v for k, v in weights().items() if k.startswith("conv.")}
    nodes = [
        helper.make_node("Conv", ["input", "conv.weight", "conv.bias"], ["c"], name="conv",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("GlobalAveragePool", ["r"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["y"], name="out", axis=1),
    ]
    graph = helper.make_graph(
        nodes, "qgap",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, C_IN, HW, HW])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, C_OUT])],
        [numpy_helper.from_array(v, k) for k, v in p.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, f"{out}/model.onnx")
    rng = np.random.default_rng(13)
    calib = [rng.standard_normal((1, C_IN, HW, HW)).astype(np.float32) for _ in range(16)]
    np.save(f"{out}/x.npy", rng.standard_normal((1, C_IN, HW, HW)).astype(np.float32))
    seen = {}
    for x in calib:
        for key, v in gap_float_model(x, weights()).items():
            seen.setdefault(key, []).append(v.ravel().astype(np.float64))
    tensors = []
    for key, vs in seen.items():
        v = np.concatenate(vs)
        lo, hi = float(v.min()), float(v.max())
        tensors.append({"key": key, "min": lo, "max": hi, "count": int(v.size)})
    with open(f"{out}/stats.json", "w") as f:
        json.dump({"format": "tessera-calibration", "version": 1, "model_digest": "e2e",
                   "num_inputs": len(calib), "tensors": tensors}, f)


def check_gap(out, so):
    p = weights()
    stats = json.load(open(f"{out}/stats.json"))
    x = np.load(f"{out}/x.npy")
    lib = ctypes.CDLL(so)
    y = np.zeros((1, C_OUT), dtype=np.float32)
    lib.main(x.ctypes.data_as(ctypes.c_void_p), y.ctypes.data_as(ctypes.c_void_p))
    sx, zx = act_params(stats, "input")
    sr, zr = act_params(stats, "relu")
    # Flatten runs on int8 with its input's parameters.
    so_, zo = act_params(stats, "gap")
    wq, sw = weight_quant(p["conv.weight"])
    bq = np.rint(p["conv.bias"].astype(np.float64) / (sx * sw)).astype(np.int64)
    acc = conv2d(quantize(x, sx, zx) - zx, wq, bq)
    r = requantize(acc, [sx * s / sr for s in sw], zr, max(-128, zr), 127, 1)
    total = (r - zr).sum(axis=(2, 3), keepdims=True)
    gq = rescale(total, sr / (so_ * HW * HW), zo, -128, 127)
    ref = ((gq.reshape(1, -1) - zo).astype(np.float32) * np.float32(so_)).astype(np.float32)
    mismatches = int(np.sum(y != ref))
    print(f"int8 GlobalAveragePool vs numpy integer formula: {y.size} values, "
          f"{mismatches} mismatches")
    if mismatches:
        print("compiled", y.ravel())
        print("numpy   ", ref.ravel())


def act_float_model(x, p):
    acts = float_model(x, p)
    out = {k: acts[k] for k in ("input", "conv", "relu")}
    r = acts["relu"].astype(np.float64)
    out["sig"] = (1.0 / (1.0 + np.exp(-r))).astype(np.float32)
    s = out["sig"].astype(np.float64)
    out["hswish"] = (s * np.clip(s / 6.0 + 0.5, 0.0, 1.0)).astype(np.float32)
    h = np.pad(out["hswish"].astype(np.float64), ((0, 0), (0, 0), (1, 1), (1, 1)))
    n, c, hh, ww = out["hswish"].shape
    oh, ow = (hh + 2 - 3) // 2 + 1, (ww + 2 - 3) // 2 + 1
    avg = np.zeros((n, c, oh, ow))
    for i in range(3):
        for j in range(3):
            avg += h[:, :, i:i + 2 * oh:2, j:j + 2 * ow:2]
    out["avg"] = (avg / 9.0).astype(np.float32)
    out["out"] = out["avg"].reshape(1, -1)
    return out


ACT_OUT = C_OUT * 4 * 4


def make_act(out):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    p = {k: v for k, v in weights().items() if k.startswith("conv.")}
    nodes = [
        helper.make_node("Conv", ["input", "conv.weight", "conv.bias"], ["c"], name="conv",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("Sigmoid", ["r"], ["s"], name="sig"),
        helper.make_node("HardSwish", ["s"], ["h"], name="hswish"),
        helper.make_node("AveragePool", ["h"], ["a"], name="avg", kernel_shape=[3, 3],
                         strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1),
        helper.make_node("Flatten", ["a"], ["y"], name="out", axis=1),
    ]
    graph = helper.make_graph(
        nodes, "qact",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, C_IN, HW, HW])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, ACT_OUT])],
        [numpy_helper.from_array(v, k) for k, v in p.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, f"{out}/model.onnx")
    rng = np.random.default_rng(17)
    calib = [rng.standard_normal((1, C_IN, HW, HW)).astype(np.float32) for _ in range(16)]
    np.save(f"{out}/x.npy", rng.standard_normal((1, C_IN, HW, HW)).astype(np.float32))
    seen = {}
    for x in calib:
        for key, v in act_float_model(x, weights()).items():
            seen.setdefault(key, []).append(v.ravel().astype(np.float64))
    tensors = []
    for key, vs in seen.items():
        v = np.concatenate(vs)
        tensors.append({"key": key, "min": float(v.min()), "max": float(v.max()),
                        "count": int(v.size)})
    with open(f"{out}/stats.json", "w") as f:
        json.dump({"format": "tessera-calibration", "version": 1, "model_digest": "e2e",
                   "num_inputs": len(calib), "tensors": tensors}, f)


def act_table(sx, zx, sy, zy, f):
    """quantize(f(dequantize(q))) for q = -128..127, in float64, rounding
    half to even and saturating."""
    q = np.arange(-128, 128, dtype=np.int64)
    v = f((q - zx).astype(np.float64) * sx)
    return np.clip(np.rint(v / sy) + zy, -128, 127).astype(np.int64)


def check_act(out, so):
    p = weights()
    stats = json.load(open(f"{out}/stats.json"))
    x = np.load(f"{out}/x.npy")
    lib = ctypes.CDLL(so)
    y = np.zeros((1, ACT_OUT), dtype=np.float32)
    lib.main(x.ctypes.data_as(ctypes.c_void_p), y.ctypes.data_as(ctypes.c_void_p))
    sx, zx = act_params(stats, "input")
    sr, zr = act_params(stats, "relu")
    sh, zh = act_params(stats, "hswish")
    sa, za = act_params(stats, "avg")
    wq, sw = weight_quant(p["conv.weight"])
    bq = np.rint(p["conv.bias"].astype(np.float64) / (sx * sw)).astype(np.int64)
    acc = conv2d(quantize(x, sx, zx) - zx, wq, bq)
    r = requantize(acc, [sx * s / sr for s in sw], zr, max(-128, zr), 127, 1)

    def sig_hswish(v):
        s = 1.0 / (1.0 + np.exp(-v))
        return s * np.clip(s / 6.0 + 0.5, 0.0, 1.0)

    table = act_table(sr, zr, sh, zh, sig_hswish)
    h = table[r + 128]
    hp = np.pad(h - zh, ((0, 0), (0, 0), (1, 1), (1, 1)))
    total = np.zeros((1, C_OUT, 4, 4), dtype=np.int64)
    for i in range(3):
        for j in range(3):
            total += hp[:, :, i:i + 8:2, j:j + 8:2]
    aq = rescale(total, sh / (sa * 9), za, -128, 127)
    ref = ((aq.reshape(1, -1) - za).astype(np.float32) * np.float32(sa)).astype(np.float32)
    mismatches = int(np.sum(y != ref))
    print(f"int8 Sigmoid+HardSwish table and AveragePool vs numpy integer formula: "
          f"{y.size} values, {mismatches} mismatches")
    if mismatches:
        print("compiled", y.ravel())
        print("numpy   ", ref.ravel())


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    elif sys.argv[1] == "make-gap":
        make_gap(sys.argv[2])
    elif sys.argv[1] == "check-gap":
        check_gap(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "make-act":
        make_act(sys.argv[2])
    elif sys.argv[1] == "check-act":
        check_act(sys.argv[2], sys.argv[3])
    else:
        check(sys.argv[2], sys.argv[3])
