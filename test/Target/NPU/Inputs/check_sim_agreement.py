#!/usr/bin/env python3
"""The compiler's NPU programs run on the simulator and give numpy's answer.

For random int8 matmul and convolution layers (shapes chosen so that partial
k/n blocks, several output tiles and padding all occur) this writes a whole
`npu.program` by hand: DRAM tensors, the weights as an `npu.constant`, DMA
loads (with the convolution's zero padding done by the DMA), a
`npu.tile_matmul` / `npu.tile_conv` with a ReLU + requantize epilogue, and a
DMA store. Then the real tool chain compiles and runs it:

  tessera-opt --tessera-npu-attach-hw=hw=PRESET --tessera-npu-expand-tiles
  tessera-translate --npu-to-bin
  tessera-sim PROGRAM.bin --hw=PRESET --input x=... --expect y=...

and the output must equal a numpy reference computed from the definitions of
docs/dialects/npu.md and docs/npu/numerics.md (int32 accumulation, rounding
half toward +infinity, zero point, clamp). The simulator also checks the
program's hardware hash against the preset it runs on.

Usage: check_sim_agreement.py WORKDIR CASES_PER_PRESET [SEED]
Prints one line per case and a final "failures: N".
"""
import os
import subprocess
import sys

import numpy as np

PRESETS = ("edge", "mid", "large")


def requantize(acc, mult, shift, zp, lo, hi):
    p = acc.astype(np.int64) * np.int64(mult)
    r = p if shift == 0 else (p >> shift) + ((p >> (shift - 1)) & 1)
    return np.clip(r + zp, lo, hi).astype(np.int8)


def quant_params(rng, k):
    # A multiplier/shift that spreads |acc| ~ 128*128*sqrt(k)/2 over the
    # int8 range, so outputs are neither all zero nor all saturated.
    scale = 127.0 / (128 * 128 * max(1.0, np.sqrt(k)) * 0.6)
    shift = 0  # the largest shift that keeps the multiplier an int32
    while scale * (1 << (shift + 1)) < 2**31 - 1:
        shift += 1
    mult = int(scale * (1 << shift))
    zp = int(rng.integers(-8, 9))
    return mult, shift, zp


def hexdense(a):
    return 'dense<"0x%s">' % a.astype(np.int8).tobytes().hex().upper()


def matmul_case(rng):
    m, k, n = (int(rng.integers(1, 80)), int(rng.integers(1, 90)),
               int(rng.integers(1, 80)))
    x = rng.integers(-128, 128, size=(m, k), dtype=np.int8)
    w = rng.integers(-128, 128, size=(k, n), dtype=np.int8)
    mult, shift, zp = quant_params(rng, k)
    relu = bool(rng.integers(0, 2))
    acc = x.astype(np.int32) @ w.astype(np.int32)
    if relu:
        acc = np.maximum(acc, 0)
    y = requantize(acc, mult, shift, zp, -128, 127)
    # Scratchpad: x at 0, w after it, the int8 output after that.
    w_sp = m * k
    out_sp = w_sp + k * n
    x_dram, w_dram = 0, m * k
    y_dram = w_dram + k * n
    body = f"""
    npu.tensor input "x" at {x_dram} : tensor<{m}x{k}xi8>
    npu.tensor output "y" at {y_dram} : tensor<{m}x{n}xi8>
    npu.constant "w" at {w_dram} = {hexdense(w)} : tensor<{k}x{n}xi8>
    npu.layer "load" {{
      npu.config_load dram_stride = {k}, sram_stride = {k}, pad_value = 0
      npu.dma_load sp, sram_addr = 0, dram_addr = {x_dram}, rows = {m}, cols = {k}, pad = [0, 0, 0, 0]
      npu.config_load dram_stride = {n}, sram_stride = {n}, pad_value = 0
      npu.dma_load sp, sram_addr = {w_sp}, dram_addr = {w_dram}, rows = {k}, cols = {n}, pad = [0, 0, 0, 0] push_next
    }}
    npu.layer "MatMul_0" {{
      npu.tile_matmul m = {m}, k = {k}, n = {n}, a = sp[0] stride {k}, b = sp[{w_sp}] stride {n}, c = acc[0] stride {4 * n}{" relu" if relu else ""} requant(multiplier = {mult}, shift = {shift}, zero_point = {zp}, clamp = [-128, 127]) out = sp[{out_sp}] stride {n} pop_prev push_next
    }}
    npu.layer "store" {{
      npu.config_store dram_stride = {n}, sram_stride = {n}
      npu.dma_store sp, sram_addr = {out_sp}, dram_addr = {y_dram}, rows = {m}, cols = {n} pop_prev
    }}
    npu.finish"""
    desc = f"matmul m={m} k={k} n={n}{' relu' if relu else ''}"
    return desc, body, y_dram + m * n, x, y


def conv_case(rng):
    kh = kw = int(rng.choice([1, 3, 5]))
    sh = sw = int(rng.integers(1, 3))
    pad = kh // 2
    h, w_ = int(rng.integers(kh, 14)), int(rng.integers(kw, 14))
    cin, cout = int(rng.integers(1, 40)), int(rng.integers(1, 40))
    oh = (h + 2 * pad - kh) // sh + 1
    ow = (w_ + 2 * pad - kw) // sw + 1
    x = rng.integers(-128, 128, size=(h, w_, cin), dtype=np.int8)
    wt = rng.integers(-128, 128, size=(kh, kw, cin, cout), dtype=np.int8)
    mult, shift, zp = quant_params(rng, kh * kw * cin)
    relu = bool(rng.integers(0, 2))
    xp = np.pad(x.astype(np.int32), ((pad, pad), (pad, pad), (0, 0)))
    acc = np.zeros((oh, ow, cout), np.int32)
    for ky in range(kh):
        for kx in range(kw):
            patch = xp[ky:ky + sh * oh:sh, kx:kx + sw * ow:sw, :]
            acc += patch @ wt[ky, kx].astype(np.int32)
    if relu:
        acc = np.maximum(acc, 0)
    y = requantize(acc, mult, shift, zp, -128, 127)
    hp, wp = h + 2 * pad, w_ + 2 * pad
    row = wp * cin  # bytes per padded image row in the scratchpad
    w_sp = hp * row
    out_sp = w_sp + kh * kw * cin * cout
    x_dram = 0
    w_dram = h * w_ * cin
    y_dram = w_dram + kh * kw * cin * cout
    body = f"""
    npu.tensor input "x" at {x_dram} : tensor<{h}x{w_}x{cin}xi8>
    npu.tensor output "y" at {y_dram} : tensor<{oh}x{ow}x{cout}xi8>
    npu.constant "w" at {w_dram} = {hexdense(wt)} : tensor<{kh}x{kw}x{cin}x{cout}xi8>
    npu.layer "load" {{
      npu.config_load dram_stride = {w_ * cin}, sram_stride = {row}, pad_value = 0
      npu.dma_load sp, sram_addr = 0, dram_addr = {x_dram}, rows = {h}, cols = {w_ * cin}, pad = [{pad}, {pad}, {pad * cin}, {pad * cin}]
      npu.config_load dram_stride = {cout}, sram_stride = {cout}, pad_value = 0
      npu.dma_load sp, sram_addr = {w_sp}, dram_addr = {w_dram}, rows = {kh * kw * cin}, cols = {cout}, pad = [0, 0, 0, 0] push_next
    }}
    npu.layer "Conv_0" {{
      npu.tile_conv in = sp[0] row_stride {row}, channels = {cin}, kernel = [{kh}, {kw}], strides = [{sh}, {sw}], out = [{oh}, {ow}, {cout}], w = sp[{w_sp}] stride {cout}, c = acc[0] stride {4 * cout}{" relu" if relu else ""} requant(multiplier = {mult}, shift = {shift}, zero_point = {zp}, clamp = [-128, 127]) out = sp[{out_sp}] stride {cout} pop_prev push_next
    }}
    npu.layer "store" {{
      npu.config_store dram_stride = {cout}, sram_stride = {cout}
      npu.dma_store sp, sram_addr = {out_sp}, dram_addr = {y_dram}, rows = {oh * ow}, cols = {cout} pop_prev
    }}
    npu.finish"""
    desc = (f"conv {h}x{w_}x{cin} k{kh} s{sh} p{pad} -> {oh}x{ow}x{cout}"
            f"{' relu' if relu else ''}")
    return desc, body, y_dram + oh * ow * cout, x, y


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def main():
    work, cases = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    os.makedirs(work, exist_ok=True)
    rng = np.random.default_rng(seed)
    failures = 0
    for preset in PRESETS:
        for i in range(cases):
            make = matmul_case if i % 2 == 0 else conv_case
            desc, body, dram_bytes, x, y = make(rng)
            base = os.path.join(work, f"{preset}{i}")
            with open(base + ".mlir", "w") as f:
                f.write("module {\n  npu.program @main attributes {dram_bytes = %d} {%s\n  }\n}\n"
                        % (dram_bytes, body))
            np.save(base + ".x.npy", x)
            np.save(base + ".y.npy", y)
            opt = run(["tessera-opt", base + ".mlir",
                       f"--tessera-npu-attach-hw=hw={preset}",
                       "--tessera-npu-expand-tiles"])
            status = None
            if opt.returncode != 0:
                status = "tessera-opt failed: " + opt.stderr.strip()
            else:
                tr = run(["tessera-translate", "--npu-to-bin", "-o", base + ".bin"],
                         input=opt.stdout)
                if tr.returncode != 0:
                    status = "tessera-translate failed: " + tr.stderr.strip()
                else:
                    sim = run(["tessera-sim", "-q", base + ".bin", f"--hw={preset}",
                               "--input", f"x={base}.x.npy",
                               "--expect", f"y={base}.y.npy"])
                    if sim.returncode != 0:
                        status = ("tessera-sim exit %d: %s %s" %
                                  (sim.returncode, sim.stdout.strip(), sim.stderr.strip()))
            if status is None:
                print(f"ok   {preset} {desc}")
            else:
                failures += 1
                print(f"FAIL {preset} {desc}: {status}")
    print(f"failures: {failures}")


if __name__ == "__main__":
    main()
