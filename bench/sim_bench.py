#!/usr/bin/env python3
# ===- sim_bench.py - simulated MAC/s of the NPU simulator ---------------=== #
#
# Generates tiled int8 matmul programs (C = requant(A @ B), M = K = N = 1024
# by default) for a preset, runs `tessera-sim` on random inputs with and
# without timing, and prints the simulator's host time and simulated MAC/s
# (MACs / host seconds of Simulator::run, from the JSON report's
# host_seconds; parsing the program and reading the .npy files are not
# counted). One core: the simulator is single-threaded.
#
#   /usr/bin/python3 bench/sim_bench.py [BUILD_DIR] [--size N] [--runs R]
#
# Cases: edge with 16x16 weight blocks, large with 128x128 blocks and large
# with 16x16 blocks (a program written for a smaller array). The goal is
# >= 1e9 simulated MAC/s.
#
# ===----------------------------------------------------------------------=== #
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

# Scratchpad/accumulator budgets of the presets (bytes) and array sides.
PRESETS = {"edge": (256 << 10, 64 << 10, 16), "mid": (1 << 20, 256 << 10, 32),
           "large": (8 << 20, 4 << 20, 128)}


def program(size, block, sp_bytes, acc_bytes):
    """A tiled program: for each row panel of A (kept in the scratchpad) and
    each column panel of B, preload/matmul over k blocks, requantize, store.
    Tiles are separated by fences, so no WAR tokens are needed."""
    M = K = N = size
    tile_n = min(N, 2 * block)
    # Row panel: A panel (tile_m x K) + W panel (K x tile_n) + C panel must
    # fit the scratchpad; the int32 tile the accumulator.
    tile_m = M
    while tile_m > block and (tile_m * K + K * tile_n + tile_m * tile_n > sp_bytes
                              or tile_m * tile_n * 4 > acc_bytes):
        tile_m //= 2
    tile_m = min(tile_m, 512)  # dma/vec rows are 10-bit fields
    sp_a, sp_w = 0, tile_m * K
    sp_c = sp_w + K * tile_n
    dram_a, dram_b, dram_c = 0, M * K, M * K + K * N
    lines = [f".dram_bytes {dram_c + M * N:#x}",
             f'.tensor input "a" i8 [{M}, {K}] @ {dram_a:#x}',
             f'.tensor input "b" i8 [{K}, {N}] @ {dram_b:#x}',
             f'.tensor output "c" i8 [{M}, {N}] @ {dram_c:#x}',
             "config_quant multiplier=1073741824 shift=45 clamp_lo=-128 clamp_hi=127",
             f"config_exec src_stride={tile_n * 4} dst_stride={tile_n}",
             f"config_store dram_stride={N} sram_stride={tile_n}"]
    for m0 in range(0, M, tile_m):
        lines.append(f"config_load dram_stride={K} sram_stride={K}")
        lines.append(f"dma_load sram_addr={sp_a:#x} dram_addr={dram_a + m0 * K:#x} "
                     f"rows={tile_m} cols={K}")
        # (K rows of B per panel are loaded in chunks of at most 512 rows.)
        for n0 in range(0, N, tile_n):
            lines.append(f"config_load dram_stride={N} sram_stride={tile_n}")
            for k0 in range(0, K, 512):
                rows = min(512, K - k0)
                flag = " push_next" if k0 + rows == K else ""
                lines.append(f"dma_load sram_addr={sp_w + k0 * tile_n:#x} "
                             f"dram_addr={dram_b + k0 * N + n0:#x} "
                             f"rows={rows} cols={tile_n}{flag}")
            first = True
            for nb in range(0, tile_n, block):
                for kb in range(0, K, block):
                    flag = " pop_prev" if first else ""
                    first = False
                    lines.append(f"preload sp_addr={sp_w + kb * tile_n + nb:#x} "
                                 f"k={block} n={block} sp_stride={tile_n}{flag}")
                    lines.append(f"matmul sp_addr={sp_a + kb:#x} acc_addr={nb * 4:#x} "
                                 f"m={tile_m} sp_stride={K} acc_stride={tile_n * 4} "
                                 f"accumulate={int(kb > 0)}")
            lines.append(f"vec func=requant dst_mem=sp dst_addr={sp_c:#x} rows={tile_m} "
                         f"cols={tile_n} push_next")
            lines.append(f"dma_store sram_addr={sp_c:#x} "
                         f"dram_addr={dram_c + m0 * N + n0:#x} rows={tile_m} "
                         f"cols={tile_n} pop_prev")
            lines.append("fence")
    lines.append("finish")
    return "\n".join(lines) + "\n", tile_m, tile_n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build_dir", nargs="?", default="build")
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sim = os.path.join(args.build_dir, "bin", "tessera-sim")
    if not os.path.exists(sim):
        sys.exit(f"{sim} not found (build the tessera-sim target)")
    size = args.size
    rng = np.random.default_rng(0)
    a = rng.integers(-128, 128, size=(size, size), dtype=np.int8)
    b = rng.integers(-128, 128, size=(size, size), dtype=np.int8)
    expected = None
    print(f"tiled int8 matmul {size}x{size}x{size} ({size ** 3:.3g} MACs), "
          f"best of {args.runs} runs, one core")
    print(f"{'preset':<7} {'block':>5} {'tile m x n':>11} {'insts':>7} {'timing':>6} "
          f"{'host s':>8} {'MAC/s':>9} {'sim cycles':>11} {'util':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        np.save(os.path.join(tmp, "a.npy"), a)
        np.save(os.path.join(tmp, "b.npy"), b)
        for preset, block in (("edge", 16), ("large", 128), ("large", 16)):
            sp, acc, side = PRESETS[preset]
            text, tile_m, tile_n = program(size, block, sp, acc)
            path = os.path.join(tmp, f"{preset}-{block}.s")
            with open(path, "w") as f:
                f.write(text)
            insts = sum(1 for line in text.splitlines()
                        if line and not line.startswith("."))
            for timing in (False, True):
                best = None
                for _ in range(args.runs):
                    report = os.path.join(tmp, "r.json")
                    out = os.path.join(tmp, "out")
                    cmd = [sim, "-q", path, f"--hw={preset}",
                           f"--input=a={tmp}/a.npy", f"--input=b={tmp}/b.npy",
                           f"--report-json={report}", f"--output-dir={out}"]
                    if not timing:
                        cmd.append("--no-timing")
                    subprocess.run(cmd, check=True)
                    with open(report) as f:
                        r = json.load(f)
                    if best is None or r["host_seconds"] < best["host_seconds"]:
                        best = r
                c = np.load(os.path.join(tmp, "out", "c.npy"))
                if expected is None:
                    expected = c
                elif not (c == expected).all():
                    sys.exit(f"{preset}/{block}: results differ between programs")
                total = best["total"]
                seconds = best["host_seconds"]
                cycles = f"{total['cycles']:>11}" if timing else f"{'-':>11}"
                util = f"{total['mac_utilization'] * 100:>5.1f}%" if timing else f"{'-':>6}"
                print(f"{preset:<7} {block:>5} {f'{tile_m}x{tile_n}':>11} {insts:>7} "
                      f"{'on' if timing else 'off':>6} {seconds:>8.4f} "
                      f"{total['macs'] / seconds:>9.2e} {cycles} {util}")


if __name__ == "__main__":
    main()
