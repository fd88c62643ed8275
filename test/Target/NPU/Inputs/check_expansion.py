#!/usr/bin/env python3
"""Checks tessera-npu-expand-tiles numerically.

For random tile_matmul / tile_conv ops on small arrays (so every k/n block
and edge case occurs), expands them with tessera-opt, translates to assembly
with tessera-translate and executes the execute-queue instructions with the
ISA semantics of include/tessera/NPU/ISA.def, written here independently of
the compiler. The results must equal numpy references computed from the tile
op's definition (docs/dialects/npu.md). Prints one line per case.
"""
import random
import subprocess
import sys

import numpy as np

SP_BYTES = 1 << 16
ACC_BYTES = 1 << 16


def requantize(acc, mult, shift, zp, lo, hi):
    # docs/npu/numerics.md: rounding half toward +infinity by an arithmetic
    # shift; Python's >> floors like an arithmetic shift.
    p = int(acc) * mult
    r = p if shift == 0 else (p >> shift) + ((p >> (shift - 1)) & 1)
    return max(lo, min(hi, r + zp))


class Machine:
    def __init__(self):
        self.sp = np.zeros(SP_BYTES, dtype=np.int8)
        self.acc = np.zeros(ACC_BYTES, dtype=np.uint8)
        self.w = None
        self.exec_cfg = (0, 0, 0)
        self.quant = None

    def acc_get(self, addr):
        return int(self.acc[addr:addr + 4].view(np.int32)[0])

    def acc_set(self, addr, value):
        value = ((value + 2**31) % 2**32) - 2**31  # int32 wrap
        self.acc[addr:addr + 4] = np.array([value], dtype=np.int32).view(np.uint8)

    def run(self, line):
        words = line.split()
        op, fields = words[0], {}
        for word in words[1:]:
            if "=" in word:
                key, value = word.split("=")
                fields[key] = int(value, 0) if value[0] in "-0123456789" else value
        f = fields
        if op == "preload":
            self.w = np.array([[int(self.sp[f["sp_addr"] + i * f["sp_stride"] + j])
                                for j in range(f["n"])] for i in range(f["k"])],
                              dtype=np.int64)
        elif op == "matmul":
            k, n = self.w.shape
            for r in range(f["m"]):
                base = f["sp_addr"] + r * f["sp_stride"]
                row = self.sp[base:base + k].astype(np.int64)
                out = row @ self.w
                for j in range(n):
                    addr = f["acc_addr"] + r * f["acc_stride"] + 4 * j
                    old = self.acc_get(addr) if f["accumulate"] else 0
                    self.acc_set(addr, old + int(out[j]))
        elif op == "config_exec":
            self.exec_cfg = (f["src_stride"], f["src2_stride"], f["dst_stride"])
        elif op == "config_quant":
            assert f["per_channel"] == 0
            self.quant = (f["multiplier"], f["shift"], f["zero_point"],
                          f["clamp_lo"], f["clamp_hi"])
        elif op == "vec":
            src_stride, _, dst_stride = self.exec_cfg
            for r in range(f["rows"]):
                for c in range(f["cols"]):
                    v = self.acc_get(f["src_addr"] + r * src_stride + 4 * c)
                    if f["func"] == "relu":
                        self.acc_set(f["dst_addr"] + r * dst_stride + 4 * c, max(v, 0))
                    elif f["func"] == "requant" and f["dst_mem"] == "sp":
                        self.sp[f["dst_addr"] + r * dst_stride + c] = requantize(v, *self.quant)
                    else:
                        raise ValueError("unsupported vec " + line)
        elif op in ("finish", "fence"):
            pass
        else:
            raise ValueError("unexpected instruction " + line)


def expand(tile_op, rows, cols):
    module = (
        'module attributes {npu.hardware = #npu.hardware<name = "t", rows = %d, '
        'cols = %d, scratchpad_bytes = %d, accumulator_bytes = %d, '
        'vector_lanes = 4, hash = 0>} {\n npu.program @p {\n %s\n npu.finish\n }\n}\n'
        % (rows, cols, SP_BYTES, ACC_BYTES, tile_op))
    ir = subprocess.run(["tessera-opt", "--tessera-npu-expand-tiles"], input=module,
                        capture_output=True, text=True, check=True).stdout
    asm = subprocess.run(["tessera-translate", "--npu-to-asm"], input=ir,
                         capture_output=True, text=True, check=True).stdout
    return [l for l in asm.splitlines() if l and not l.startswith((".", "#"))]


def epilogue(rng):
    relu = rng.random() < 0.5
    if rng.random() < 0.3:
        return relu, None
    mult = rng.choice([1 << 30, 3 << 28, -(1 << 29), 12345])
    return relu, (mult, rng.randint(0, 12), rng.randint(-5, 5), -128, rng.choice([127, 50]))


def epilogue_text(relu, quant, out_addr, out_stride):
    text = " relu" if relu else ""
    if quant:
        text += (" requant(multiplier = %d, shift = %d, zero_point = %d, clamp = [%d, %d])"
                 " out = sp[%d] stride %d" % (*quant, out_addr, out_stride))
    return text


def finish(machine, ref, c_addr, c_stride, relu, quant, out_addr, out_stride):
    """Compares the tile's result: the requantized output, or C."""
    m, n = ref.shape
    if relu:
        ref = np.maximum(ref, 0)
    for r in range(m):
        for j in range(n):
            if quant:
                got = int(machine.sp[out_addr + r * out_stride + j])
                want = requantize(int(ref[r, j]), *quant)
            else:
                got = machine.acc_get(c_addr + r * c_stride + 4 * j)
                want = int(ref[r, j])
            if got != want:
                return "row %d col %d: got %d, want %d" % (r, j, got, want)
    return None


def check_matmul(rng, case):
    rows, cols = rng.choice([(4, 4), (4, 8), (8, 4), (16, 16)])
    m, k, n = rng.randint(1, 20), rng.randint(1, 40), rng.randint(1, 40)
    a_stride, b_stride = k + rng.randint(0, 3), n + rng.randint(0, 3)
    c_stride, out_stride = 4 * n + 4 * rng.randint(0, 2), n + rng.randint(0, 3)
    a_addr, b_addr, out_addr, c_addr = 0, 8192, 24576, 0
    accumulate = rng.random() < 0.3
    relu, quant = epilogue(rng)
    op = ("npu.tile_matmul m = %d, k = %d, n = %d, a = sp[%d] stride %d, b = sp[%d] stride %d,"
          " c = acc[%d] stride %d%s%s" % (m, k, n, a_addr, a_stride, b_addr, b_stride, c_addr,
                                          c_stride, " accumulate" if accumulate else "",
                                          epilogue_text(relu, quant, out_addr, out_stride)))
    machine = Machine()
    machine.sp[:] = rng_array(rng, SP_BYTES)
    a = np.array([[machine.sp[a_addr + i * a_stride + j] for j in range(k)] for i in range(m)], np.int64)
    b = np.array([[machine.sp[b_addr + i * b_stride + j] for j in range(n)] for i in range(k)], np.int64)
    ref = a @ b
    if accumulate:
        for r in range(m):
            for j in range(n):
                machine.acc_set(c_addr + r * c_stride + 4 * j, 1000 * r - 7 * j)
                ref[r, j] += 1000 * r - 7 * j
    for line in expand(op, rows, cols):
        machine.run(line)
    return op, finish(machine, ref, c_addr, c_stride, relu, quant, out_addr, out_stride)


def check_conv(rng, case):
    rows, cols = rng.choice([(4, 4), (8, 4), (16, 16)])
    cin, cout = rng.randint(1, 10), rng.randint(1, 10)
    kh, kw, sh, sw = rng.randint(1, 3), rng.randint(1, 3), rng.randint(1, 2), rng.randint(1, 2)
    oh, ow = rng.randint(1, 5), rng.randint(1, 5)
    ih, iw = (oh - 1) * sh + kh, (ow - 1) * sw + kw
    row_stride = iw * cin + rng.choice([0, 0, 5])
    w_stride, c_stride, out_stride = cout + rng.randint(0, 2), 4 * cout, cout
    in_addr, w_addr, out_addr, c_addr = 0, 8192, 24576, 0
    accumulate = rng.random() < 0.2
    relu, quant = epilogue(rng)
    op = ("npu.tile_conv in = sp[%d] row_stride %d, channels = %d, kernel = [%d, %d],"
          " strides = [%d, %d], out = [%d, %d, %d], w = sp[%d] stride %d, c = acc[%d] stride %d%s%s"
          % (in_addr, row_stride, cin, kh, kw, sh, sw, oh, ow, cout, w_addr, w_stride, c_addr,
             c_stride, " accumulate" if accumulate else "",
             epilogue_text(relu, quant, out_addr, out_stride)))
    machine = Machine()
    machine.sp[:] = rng_array(rng, SP_BYTES)
    img = np.array([[[machine.sp[in_addr + y * row_stride + x * cin + c] for c in range(cin)]
                     for x in range(iw)] for y in range(ih)], np.int64)
    w = np.array([[[[machine.sp[w_addr + ((y * kw + x) * cin + c) * w_stride + o]
                     for o in range(cout)] for c in range(cin)] for x in range(kw)]
                  for y in range(kh)], np.int64)
    ref = np.zeros((oh * ow, cout), np.int64)
    for oy in range(oh):
        for ox in range(ow):
            patch = img[oy * sh:oy * sh + kh, ox * sw:ox * sw + kw, :]
            ref[oy * ow + ox] = np.einsum("yxc,yxco->o", patch, w)
    if accumulate:
        for r in range(oh * ow):
            for j in range(cout):
                machine.acc_set(c_addr + r * c_stride + 4 * j, 3 * r - j)
                ref[r, j] += 3 * r - j
    for line in expand(op, rows, cols):
        machine.run(line)
    return op, finish(machine, ref, c_addr, c_stride, relu, quant, out_addr, out_stride)


def rng_array(rng, size):
    return np.random.default_rng(rng.randint(0, 2**31)).integers(-128, 128, size, dtype=np.int8)


def main():
    rng = random.Random(4)
    failures = 0
    for case in range(int(sys.argv[1]) if len(sys.argv) > 1 else 20):
        for kind, check in (("matmul", check_matmul), ("conv", check_conv)):
            op, error = check(rng, case)
            print("%s %d: %s" % (kind, case, "ok" if not error else "FAIL " + error))
            if error:
                print("  " + op)
                failures += 1
    print("failures: %d" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
