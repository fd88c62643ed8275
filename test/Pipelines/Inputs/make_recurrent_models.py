#!/usr/bin/env python3
# ===- make_recurrent_models.py - LSTM/GRU/RNN models and numpy references ----===#
#
# Usage: make_recurrent_models.py OUT_DIR [--no-layout1]
# Writes OUT_DIR/model.onnx (one graph with many LSTM, GRU and RNN nodes: every
# direction, sequence_lens, layout=1, clip, peepholes, input_forget, both GRU
# linear_before_reset values, initial states and the alpha/beta activations),
# its inputs x.npy, xb.npy (batch first) and one .npy per output computed by
# the numpy reference below. The reference follows the ONNX operator
# specification; a batch entry past its sequence length keeps its state and
# writes zeros to Y (ONNX Runtime's behaviour). --no-layout1 leaves out the
# batch-first cases, which ONNX Runtime's CPU kernels refuse, so the reference
# can be checked against it.
#
# ===-------------------------------------------------------------------------===#
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

S, B, I, H = 5, 3, 4, 6
rng = np.random.default_rng(7)


def act(name, alpha, beta):
    n = name.lower()
    if n == "relu":
        return lambda x: np.maximum(x, 0)
    if n == "tanh":
        return np.tanh
    if n == "sigmoid":
        return lambda x: 1 / (1 + np.exp(-x))
    if n == "affine":
        return lambda x: alpha * x + beta
    if n == "leakyrelu":
        return lambda x: np.where(x < 0, alpha * x, x)
    if n == "thresholdedrelu":
        return lambda x: np.where(x > alpha, x, 0)
    if n == "scaledtanh":
        return lambda x: alpha * np.tanh(beta * x)
    if n == "hardsigmoid":
        return lambda x: np.clip(alpha * x + beta, 0, 1)
    if n == "elu":
        return lambda x: np.where(x < 0, alpha * (np.exp(x) - 1), x)
    if n == "softsign":
        return lambda x: x / (1 + np.abs(x))
    if n == "softplus":
        return lambda x: np.log1p(np.exp(x))
    raise ValueError(name)


DEFAULT_ALPHA = {"affine": (1.0, 0.0), "leakyrelu": (0.01, None),
                 "thresholdedrelu": (1.0, None), "elu": (1.0, None),
                 "scaledtanh": (1.0, 1.0), "hardsigmoid": (0.2, 0.5)}


def functions(names, alphas, betas):
    alphas, betas = list(alphas), list(betas)
    out = []
    for n in names:
        a, b = DEFAULT_ALPHA.get(n.lower(), (None, None))
        if a is not None and alphas:
            a = alphas.pop(0)
        if b is not None and betas:
            b = betas.pop(0)
        out.append(act(n, a, b))
    return out


def reference(kind, x, w, r, b=None, lens=None, h0=None, c0=None, p=None,
              direction="forward", layout=0, clip=None, input_forget=0,
              lbr=0, activations=None, alphas=(), betas=()):
    x = x.astype(np.float64)
    if layout == 1:
        x = x.transpose(1, 0, 2)
        h0 = None if h0 is None else h0.transpose(1, 0, 2)
        c0 = None if c0 is None else c0.transpose(1, 0, 2)
    seq, batch, _ = x.shape
    D = 2 if direction == "bidirectional" else 1
    G = {"LSTM": 4, "GRU": 3, "RNN": 1}[kind]
    per = {"LSTM": 3, "GRU": 2, "RNN": 1}[kind]
    hid = r.shape[2]
    if activations is None:
        activations = {"LSTM": ["Sigmoid", "Tanh", "Tanh"],
                       "GRU": ["Sigmoid", "Tanh"], "RNN": ["Tanh"]}[kind] * D
    fns = functions(activations, alphas, betas)
    if lens is None:
        lens = np.full(batch, seq)
    c = (lambda v: np.clip(v, -clip, clip)) if clip else (lambda v: v)
    Y = np.zeros((seq, D, batch, hid))
    YH = np.zeros((D, batch, hid))
    YC = np.zeros((D, batch, hid))
    for d in range(D):
        f = fns[d * per:(d + 1) * per]
        W, R = w[d].astype(np.float64), r[d].astype(np.float64)
        bb = np.zeros(2 * G * hid) if b is None else b[d].astype(np.float64)
        Wb, Rb = bb[:G * hid], bb[G * hid:]
        h = np.zeros((batch, hid)) if h0 is None else h0[d].astype(np.float64)
        cs = np.zeros((batch, hid)) if c0 is None else c0[d].astype(np.float64)
        P = np.zeros(3 * hid) if p is None else p[d].astype(np.float64)
        rev = direction == "reverse" or d == 1
        for step in range(seq):
            t = seq - 1 - step if rev else step
            active = (t < lens)[:, None]
            xt = x[t]
            if kind == "LSTM":
                g = xt @ W.T + h @ R.T + Wb + Rb
                gi, go, gf, gc = np.split(g, 4, axis=1)
                pi, po, pf = np.split(P, 3)
                i = f[0](c(gi + pi * cs))
                fg = 1 - i if input_forget else f[0](c(gf + pf * cs))
                ct = f[1](c(gc))
                cn = fg * cs + i * ct
                o = f[0](c(go + po * cn))
                hn = o * f[2](cn)
                cs = np.where(active, cn, cs)
            elif kind == "GRU":
                Wz, Wr, Wh = np.split(W, 3)
                Rz, Rr, Rh = np.split(R, 3)
                Wbz, Wbr, Wbh = np.split(Wb, 3)
                Rbz, Rbr, Rbh = np.split(Rb, 3)
                z = f[0](c(xt @ Wz.T + h @ Rz.T + Wbz + Rbz))
                rr = f[0](c(xt @ Wr.T + h @ Rr.T + Wbr + Rbr))
                if lbr:
                    ht = f[1](c(xt @ Wh.T + rr * (h @ Rh.T + Rbh) + Wbh))
                else:
                    ht = f[1](c(xt @ Wh.T + (rr * h) @ Rh.T + Rbh + Wbh))
                hn = (1 - z) * ht + z * h
            else:
                hn = f[0](c(xt @ W.T + h @ R.T + Wb + Rb))
            h = np.where(active, hn, h)
            Y[t, d] = np.where(active, hn, 0)
        YH[d], YC[d] = h, cs
    if layout == 1:
        Y = Y.transpose(2, 0, 1, 3)
        YH, YC = YH.transpose(1, 0, 2), YC.transpose(1, 0, 2)
    return [v.astype(np.float32) for v in (Y, YH, YC)]


def main():
    out = sys.argv[1]
    x = rng.standard_normal((S, B, I)).astype(np.float32)
    xb = np.ascontiguousarray(x.transpose(1, 0, 2))
    inits, nodes, outputs, expected = [], [], [], {}

    def const(name, value):
        inits.append(numpy_helper.from_array(value, name))
        return name

    def case(name, kind, direction="forward", bias=True, lens=None, h0=False,
             c0=False, peep=False, layout=0, outs=("Y", "Y_h", "Y_c"),
             scale=0.5, **attrs):
        if layout == 1 and "--no-layout1" in sys.argv:
            return
        D = 2 if direction == "bidirectional" else 1
        G = {"LSTM": 4, "GRU": 3, "RNN": 1}[kind]
        f32 = np.float32
        w = (rng.standard_normal((D, G * H, I)) * scale).astype(f32)
        r = (rng.standard_normal((D, G * H, H)) * scale).astype(f32)
        b = (rng.standard_normal((D, 2 * G * H)) * scale).astype(f32) if bias else None
        state = (B, D, H) if layout == 1 else (D, B, H)
        hv = rng.standard_normal(state).astype(f32) if h0 else None
        cv = rng.standard_normal(state).astype(f32) if c0 else None
        pv = (rng.standard_normal((D, 3 * H)) * scale).astype(f32) if peep else None
        lv = np.array(lens, dtype=np.int32) if lens is not None else None
        ins = ["xb" if layout == 1 else "x", const(name + "_w", w),
               const(name + "_r", r),
               const(name + "_b", b) if bias else "",
               const(name + "_lens", lv) if lens is not None else "",
               const(name + "_h0", hv) if h0 else ""]
        if kind == "LSTM":
            ins += [const(name + "_c0", cv) if c0 else "",
                    const(name + "_p", pv) if peep else ""]
        while ins and ins[-1] == "":
            ins.pop()
        names = ["Y", "Y_h", "Y_c"] if kind == "LSTM" else ["Y", "Y_h"]
        node_outs = [name + "_" + n.lower() if n in outs else "" for n in names]
        while node_outs and node_outs[-1] == "":
            node_outs.pop()
        onnx_attrs = dict(hidden_size=H, direction=direction, layout=layout)
        ref_attrs = {}
        for k, v in attrs.items():
            onnx_attrs[{"alphas": "activation_alpha", "betas": "activation_beta",
                        "lbr": "linear_before_reset"}.get(k, k)] = v
            ref_attrs[k] = v
        nodes.append(helper.make_node(kind, ins, node_outs, name=name, **onnx_attrs))
        ref = reference(kind, xb if layout == 1 else x, w, r, b, lv, hv, cv, pv,
                        direction=direction, layout=layout, **ref_attrs)
        for n, o, v in zip(names, node_outs, ref):
            if o:
                outputs.append(helper.make_tensor_value_info(
                    o, TensorProto.FLOAT, list(v.shape)))
                expected[o] = v

    case("lstm_fwd", "LSTM", bias=False, outs=("Y_h",))
    case("lstm_bidir", "LSTM", "bidirectional", h0=True, c0=True, peep=True)
    case("lstm_rev_lens", "LSTM", "reverse", lens=[5, 2, 3], h0=True, c0=True)
    case("lstm_bidir_lens", "LSTM", "bidirectional", lens=[2, 5, 4],
         clip=0.7, input_forget=1, peep=True, scale=1.5)
    case("lstm_layout1", "LSTM", "bidirectional", layout=1, h0=True, c0=True,
         lens=[4, 5, 1])
    case("lstm_acts", "LSTM", "bidirectional",
         activations=["HardSigmoid", "ScaledTanh", "Affine",
                      "Sigmoid", "LeakyRelu", "Softsign"],
         alphas=[0.3, 0.9, 1.5, 0.2], betas=[0.4, 1.2, -0.1])
    case("gru_lbr0", "GRU", "bidirectional", lens=[3, 5, 1], h0=True)
    case("gru_lbr1", "GRU", "reverse", lbr=1, h0=True, clip=0.9, scale=1.5)
    case("gru_lbr1_bidir", "GRU", "bidirectional", lbr=1, lens=[5, 4, 2],
         layout=1, h0=True, outs=("Y",))
    case("gru_acts", "GRU", activations=["Elu", "Softplus"], alphas=[0.5])
    case("gru_nobias", "GRU", bias=False, lbr=1, outs=("Y_h",))
    case("rnn_bidir", "RNN", "bidirectional", h0=True,
         activations=["Relu", "ThresholdedRelu"], alphas=[0.1], clip=2.0)
    case("rnn_rev_lens", "RNN", "reverse", lens=[1, 5, 3], layout=1, h0=True)
    case("rnn_default", "RNN", bias=False)

    graph = helper.make_graph(nodes, "recurrent",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [S, B, I]),
                               helper.make_tensor_value_info("xb", TensorProto.FLOAT, [B, S, I])],
                              outputs, inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(out, "model.onnx"))
    np.save(os.path.join(out, "x.npy"), x)
    np.save(os.path.join(out, "xb.npy"), xb)
    for k, v in expected.items():
        np.save(os.path.join(out, k + ".npy"), v)
    with open(os.path.join(out, "expect.txt"), "w") as f:
        f.write(" ".join("--expect %s=%s" % (k, os.path.join(out, k + ".npy"))
                         for k in expected))


if __name__ == "__main__":
    main()
