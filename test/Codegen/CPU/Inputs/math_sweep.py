#!/usr/bin/env python3
# ===- math_sweep.py - transcendentals, softmax, layernorm against float64 --===#
#
# make DIR: writes DIR/math.onnx (Exp, Tanh, Erf, Sigmoid, Log, SiLU, Softmax
#   and LayerNormalization over [16, 256] inputs sweeping each function's
#   useful range), the inputs DIR/<name>.npy and the float64 references
#   DIR/ref_<output>.npy, and prints the tessera-run arguments.
# check DIR OUT [TOL]: compares OUT/<output>.npy with the references and prints
#   max abs / max rel error per output (rel over |ref| > 1e-6); exits 1 if a
#   rel error exceeds TOL (default 1e-5).
#
# ===----------------------------------------------------------------------===#
import math
import os
import sys

import numpy as np

SHAPE = (16, 256)
N = SHAPE[0] * SHAPE[1]


def sweeps():
    rng = np.random.default_rng(0)
    return {
        "xe": np.linspace(-87.0, 88.0, N),
        "xt": np.linspace(-10.0, 10.0, N),
        "xf": np.linspace(-5.0, 5.0, N),
        "xs": np.linspace(-30.0, 30.0, N),
        "xl": np.logspace(-30.0, 30.0, N),
        "xn": rng.standard_normal(N) * 4.0,
    }


def references(x):
    erf = np.vectorize(math.erf)
    sig = lambda v: 1.0 / (1.0 + np.exp(-v))
    xn = x["xn"].reshape(SHAPE)
    sm = np.exp(xn - xn.max(axis=-1, keepdims=True))
    sm /= sm.sum(axis=-1, keepdims=True)
    ln = (xn - xn.mean(axis=-1, keepdims=True)) / np.sqrt(
        xn.var(axis=-1, keepdims=True) + 1e-5)
    return {
        "exp": np.exp(x["xe"]), "tanh": np.tanh(x["xt"]), "erf": erf(x["xf"]),
        "sigmoid": sig(x["xs"]), "log": np.log(x["xl"]),
        "silu": x["xs"] * sig(x["xs"]), "softmax": sm, "layernorm": ln,
    }


def make(out):
    import onnx
    from onnx import TensorProto, helper
    x = {k: v.astype(np.float32).astype(np.float64) for k, v in sweeps().items()}
    f = lambda n: helper.make_tensor_value_info(n, TensorProto.FLOAT, SHAPE)
    nodes = [
        helper.make_node("Exp", ["xe"], ["exp"], name="exp"),
        helper.make_node("Tanh", ["xt"], ["tanh"], name="tanh"),
        helper.make_node("Erf", ["xf"], ["erf"], name="erf"),
        helper.make_node("Sigmoid", ["xs"], ["sigmoid"], name="sigmoid"),
        helper.make_node("Log", ["xl"], ["log"], name="log"),
        helper.make_node("Sigmoid", ["xs"], ["s2"], name="silu_sigmoid"),
        helper.make_node("Mul", ["xs", "s2"], ["silu"], name="silu_mul"),
        helper.make_node("Softmax", ["xn"], ["softmax"], axis=-1,
                         name="softmax"),
        helper.make_node("LayerNormalization", ["xn", "gamma", "beta"],
                         ["layernorm"], axis=-1, epsilon=1e-5,
                         name="layernorm"),
    ]
    inits = [helper.make_tensor("gamma", TensorProto.FLOAT, [SHAPE[1]],
                                np.ones(SHAPE[1], np.float32)),
             helper.make_tensor("beta", TensorProto.FLOAT, [SHAPE[1]],
                                np.zeros(SHAPE[1], np.float32))]
    refs = references(x)
    graph = helper.make_graph(nodes, "math_sweep", [f(k) for k in x],
                              [f(k) for k in refs], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, os.path.join(out, "math.onnx"))
    for k, v in x.items():
        np.save(os.path.join(out, k + ".npy"), v.reshape(SHAPE).astype(np.float32))
    for k, v in refs.items():
        np.save(os.path.join(out, "ref_" + k + ".npy"), v.reshape(SHAPE))
    print(" ".join("--input %s=%s/%s.npy" % (k, out, k) for k in x))


def check(ref_dir, out_dir, tol):
    worst = 0.0
    for name in ["exp", "tanh", "erf", "sigmoid", "log", "silu", "softmax",
                 "layernorm"]:
        ref = np.load(os.path.join(ref_dir, "ref_" + name + ".npy"))
        got = np.load(os.path.join(out_dir, name + ".npy")).astype(np.float64)
        err = np.abs(got - ref)
        big = np.abs(ref) > 1e-6
        rel = (err[big] / np.abs(ref[big])).max()
        worst = max(worst, rel)
        print("%s: max abs error %.3g, max rel error %.3g" % (name, err.max(), rel))
    return 0 if worst <= tol else 1


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        sys.exit(check(sys.argv[2], sys.argv[3],
                       float(sys.argv[4]) if len(sys.argv) > 4 else 1e-5))
