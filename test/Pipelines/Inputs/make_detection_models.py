"""Models for detection-numerics.test: GridSample in every mode and padding
mode (reflection with align_corners=0 on a 2x2 image, far outside samples),
RoiAlign in max and avg mode with adaptive sampling, Det of singular,
pivoting and batched matrices, and MaxUnpool; references are numpy ports of
ONNX Runtime's CPU kernels (float32 arithmetic, same order of operations)."""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(11)
f32 = np.float32


def denormalize(n, length, align):
    if align:
        return f32((n + f32(1)) / f32(2) * f32(length - 1))
    return f32(((n + f32(1)) * f32(length) - f32(1)) / f32(2))


def reflect(x, lo, hi):
    rng_ = f32(hi - lo)
    if rng_ <= 0:
        return f32(lo)
    if x < lo:
        dx = f32(lo - x)
        n = int(dx / rng_)
        r = f32(dx - f32(n) * rng_)
        return f32(lo + r) if n % 2 == 0 else f32(hi - r)
    if x > hi:
        dx = f32(x - hi)
        n = int(dx / rng_)
        r = f32(dx - f32(n) * rng_)
        return f32(hi - r) if n % 2 == 0 else f32(lo + r)
    return x


def cubic_coeffs(t):
    a = f32(-0.75)
    t = f32(abs(t))
    c0 = ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a
    c1 = ((a + 2) * t - (a + 3)) * t * t + 1
    c2 = ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1
    c3 = ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a
    return np.array([c0, c1, c2, c3], f32)


def grid_sample(X, grid, mode, padding, align):
    N, C, H, W = X.shape
    _, Ho, Wo, _ = grid.shape
    Y = np.zeros((N, C, Ho, Wo), f32)
    xmin, ymin = (0.0, 0.0) if align else (-0.5, -0.5)
    xmax, ymax = (W - 1.0, H - 1.0) if align else (W - 0.5, H - 0.5)

    def pixel(img, r, c):
        if padding == "zeros":
            return img[r, c] if 0 <= r < H and 0 <= c < W else f32(0)
        if padding == "border":
            return img[min(max(r, 0), H - 1), min(max(c, 0), W - 1)]
        c = int(reflect(f32(c), xmin, xmax))
        r = int(reflect(f32(r), ymin, ymax))
        return img[r, c]

    for n in range(N):
        for c in range(C):
            img = X[n, c]
            for h in range(Ho):
                for w in range(Wo):
                    x = denormalize(grid[n, h, w, 0], W, align)
                    y = denormalize(grid[n, h, w, 1], H, align)
                    if mode == "nearest":
                        x, y = np.rint(x), np.rint(y)
                    if x < xmin or x > xmax or y < ymin or y > ymax:
                        if padding == "border":
                            x = f32(min(max(x, 0), W - 1))
                            y = f32(min(max(y, 0), H - 1))
                        elif padding == "reflection":
                            x = reflect(x, xmin, xmax)
                            y = reflect(y, ymin, ymax)
                    if mode == "nearest":
                        Y[n, c, h, w] = pixel(img, int(y), int(x))
                    elif mode == "bilinear":
                        x1, y1 = int(np.floor(x)), int(np.floor(y))
                        x2, y2 = x1 + 1, y1 + 1
                        dx2, dx1 = f32(x2 - x), f32(x - x1)
                        dy2, dy1 = f32(y2 - y), f32(y - y1)
                        Y[n, c, h, w] = dy2 * (dx2 * pixel(img, y1, x1) +
                                               dx1 * pixel(img, y1, x2)) + \
                            dy1 * (dx2 * pixel(img, y2, x1) +
                                   dx1 * pixel(img, y2, x2))
                    else:
                        x0, y0 = int(np.floor(x)) - 1, int(np.floor(y)) - 1
                        p = np.array([[pixel(img, y0 + i, x0 + j)
                                       for j in range(4)] for i in range(4)],
                                     f32)
                        cx = cubic_coeffs(f32(x - x0 - 1))
                        cy = cubic_coeffs(f32(y - y0 - 1))
                        Y[n, c, h, w] = cy @ (p @ cx)
    return Y


def roi_align(X, rois, bidx, mode, oh, ow, ratio, scale, half_pixel):
    N, C, H, W = X.shape
    R = rois.shape[0]
    Y = np.zeros((R, C, oh, ow), f32)
    off = f32(0.5) if half_pixel else f32(0)
    for r in range(R):
        sw, sh, ew, eh = [f32(v * f32(scale)) - off for v in rois[r]]
        rw, rh = f32(ew - sw), f32(eh - sh)
        if not half_pixel:
            rw, rh = max(rw, f32(1)), max(rh, f32(1))
        bh, bw = f32(rh / f32(oh)), f32(rw / f32(ow))
        gh = ratio if ratio > 0 else int(np.ceil(rh / f32(oh)))
        gw = ratio if ratio > 0 else int(np.ceil(rw / f32(ow)))
        count = max(gh * gw, 1)
        for c in range(C):
            img = X[bidx[r], c]
            for ph in range(oh):
                for pw in range(ow):
                    acc, seen = f32(0), False
                    for iy in range(gh):
                        yy = f32(sh + f32(ph) * bh) + \
                            f32(f32(f32(iy + 0.5) * bh) / f32(gh))
                        for ix in range(gw):
                            xx = f32(sw + f32(pw) * bw) + \
                                f32(f32(f32(ix + 0.5) * bw) / f32(gw))
                            if yy < -1 or yy > H or xx < -1 or xx > W:
                                val = f32(0)
                            else:
                                y, x = max(yy, f32(0)), max(xx, f32(0))
                                yl, xl = int(y), int(x)
                                if yl >= H - 1:
                                    yh = yl = H - 1
                                    y = f32(yl)
                                else:
                                    yh = yl + 1
                                if xl >= W - 1:
                                    xh = xl = W - 1
                                    x = f32(xl)
                                else:
                                    xh = xl + 1
                                ly, lx = f32(y - yl), f32(x - xl)
                                hy, hx = f32(1 - ly), f32(1 - lx)
                                t = [hy * hx * img[yl, xl], hy * lx * img[yl, xh],
                                     ly * hx * img[yh, xl], ly * lx * img[yh, xh]]
                                if mode == "max":
                                    val = max(max(max(t[0], t[1]), t[2]), t[3])
                                else:
                                    val = f32(f32(f32(t[0] + t[1]) + t[2]) + t[3])
                            if mode == "max":
                                acc = val if not seen else max(acc, val)
                            else:
                                acc = f32(acc + val)
                            seen = True
                    Y[r, c, ph, pw] = acc if mode == "max" else acc / f32(count)
    return Y


inputs, nodes, outputs, expected = {}, [], [], {}


def add_input(name, value):
    inputs[name] = value
    np.save("%s/%s.npy" % (out, name), value)


def add_output(name, value):
    outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT,
                                                 list(value.shape)))
    np.save("%s/%s.npy" % (out, name), value)


# GridSample: a 2x2 image sampled far outside it (reflection folds several
# periods), a 3x5 image with every mode, padding mode and align_corners.
add_input("img2", rng.uniform(-1, 1, (1, 2, 2, 2)).astype(f32))
add_input("grid2", rng.uniform(-3.5, 3.5, (1, 3, 5, 2)).astype(f32))
add_input("img", rng.uniform(-1, 1, (2, 2, 3, 5)).astype(f32))
add_input("grid", rng.uniform(-1.6, 1.6, (2, 4, 6, 2)).astype(f32))
for mode in ["bilinear", "nearest", "bicubic"]:
    for padding in ["zeros", "border", "reflection"]:
        for align in [0, 1]:
            for src, g in [("img2", "grid2"), ("img", "grid")]:
                name = "gs_%s_%s_%d_%s" % (mode, padding, align, src)
                nodes.append(helper.make_node(
                    "GridSample", [src, g], [name], name=name, mode=mode,
                    padding_mode=padding, align_corners=align))
                add_output(name, grid_sample(inputs[src], inputs[g], mode,
                                             padding, align))

# RoiAlign: boxes inside, straddling and outside a 2-image batch, adaptive
# and fixed sampling, both modes and both coordinate transformations.
add_input("feat", rng.uniform(-2, 2, (2, 3, 9, 11)).astype(f32))
add_input("rois", np.array([[0, 0, 9, 9], [2.3, 1.7, 7.9, 6.2],
                            [-4, -3, 3, 2], [8, 6, 30, 25],
                            [5, 5, 5.4, 5.2]], f32))
add_input("bidx", np.array([0, 1, 1, 0, 1], np.int64))
for mode in ["avg", "max"]:
    for ratio in [0, 2]:
        for half in [True, False]:
            name = "roi_%s_%d_%s" % (mode, ratio, "half" if half else "out")
            nodes.append(helper.make_node(
                "RoiAlign", ["feat", "rois", "bidx"], [name], name=name,
                mode=mode, output_height=3, output_width=4,
                sampling_ratio=ratio, spatial_scale=0.75,
                coordinate_transformation_mode="half_pixel" if half
                else "output_half_pixel"))
            add_output(name, roi_align(inputs["feat"], inputs["rois"],
                                       inputs["bidx"], mode, 3, 4, ratio,
                                       0.75, half))

# Det: random 4x4 matrices, one that needs pivoting (zero leading entry),
# a singular one and the identity, batched as (2, 2, 4, 4).
mats = rng.uniform(-2, 2, (2, 2, 4, 4)).astype(f32)
mats[0, 1] = np.array([[0, 2, 1, 3], [1, 0, 2, 1], [4, 1, 0, 2],
                       [2, 3, 1, 0]], f32)
mats[1, 0, 3] = mats[1, 0, 0] * 2
mats[1, 1] = np.eye(4, dtype=f32)
add_input("mats", mats)
nodes.append(helper.make_node("Det", ["mats"], ["det"], name="det"))
add_output("det", np.linalg.det(mats.astype(np.float64)).astype(f32))

# MaxUnpool of MaxPool's flat indices (3x3 kernel, stride 2, padded).
add_input("pooled", rng.uniform(-1, 1, (2, 3, 3, 3)).astype(f32))
ind = np.zeros((2, 3, 3, 3), np.int64)
unpooled = np.zeros((2, 3, 6, 6), f32)
for n in range(2):
    for c in range(3):
        for i in range(3):
            for j in range(3):
                r, q = min(2 * i + (i + j) % 2, 5), min(2 * j + (i * j) % 2, 5)
                ind[n, c, i, j] = ((n * 3 + c) * 6 + r) * 6 + q
                unpooled[n, c, r, q] = inputs["pooled"][n, c, i, j]
add_input("ind", ind)
nodes.append(helper.make_node("MaxUnpool", ["pooled", "ind"], ["unpooled"],
                              name="unpool", kernel_shape=[3, 3],
                              strides=[2, 2], pads=[1, 1, 0, 0]))
add_output("unpooled", unpooled)

graph_inputs = [helper.make_tensor_value_info(
    n, TensorProto.INT64 if v.dtype == np.int64 else TensorProto.FLOAT,
    list(v.shape)) for n, v in inputs.items()]
graph = helper.make_graph(nodes, "detection", graph_inputs, outputs)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 16)])
onnx.checker.check_model(model)
onnx.save(model, "%s/model.onnx" % out)
with open("%s/args.rsp" % out, "w") as f:
    f.write(" ".join(["--input %s=%s/%s.npy" % (n, out, n) for n in inputs] +
                     ["--expect %s=%s/%s.npy" % (o.name, out, o.name)
                      for o in outputs]))
