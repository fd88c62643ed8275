//===- ConvKernel.cpp - int8 convolution/matmul on the NPU ----------------===//
//
// Part of Tessera. Implicit GEMM on the weight-stationary array: an output
// tile of `tileRows` rows x `tileChannels` channels accumulates, for every
// kernel tap and block of input channels, one preloaded R x C weight block
// times the input pixels streamed from the padded input tile in the
// scratchpad (no im2col anywhere). Then the vector unit adds the bias and
// requantizes into an int8 output tile that the store queue writes back.
//
// ISA v2 (HardwareDesc::isaVersion >= 2): the requantize adds the bias itself
// (config_quant bias, per-channel (multiplier, shift, bias) triples), a
// depthwise layer may run in the array's depthwise mode (config_taps, matmul
// depthwise: the kernel's taps are the reduction rows, each column reads its
// own channel), and an activation table is applied by `vec lut` after the
// requantize.
//
// Scratchpad: input tiles, weight tiles and output tiles, each double
// buffered when the loop nest refills them. Accumulator: one int32 tile (the
// execute queue is in order, so it never needs two) and the bias and
// per-channel requantize parameters loaded with each weight tile.
//
// The steps, their tokens and program order are Pipeline.h's.
//
//===----------------------------------------------------------------------===//

#include "Pipeline.h"

#include "tessera/Codegen/NPU/Layer.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

using namespace tessera;
using namespace tessera::npu;
using namespace tessera::npu::kernels;

namespace {

constexpr int64_t kMaxPadRows = (1 << 4) - 1;    // dma_load pad_top/bottom
constexpr int64_t kMaxPadElems = (1 << 11) - 1;  // dma_load pad_left/right
constexpr int64_t kMaxTapCols = (1 << 6) - 1;    // config_taps tap_cols
constexpr int64_t kMaxTapStride = (1 << 24) - 1; // config_taps strides
constexpr uint64_t kTableBytes = 256;            // vec lut's int8 table

uint64_t align4(uint64_t x) { return (x + 3) & ~uint64_t(3); }

/// Everything a tiling decides, computed once.
struct Plan {
  const ConvLayer &layer;
  const ConvTiling &tiling;
  const HardwareDesc &hw;
  int64_t R, Cc, C, K, KH, KW, SH, SW, Hp, Wp, OH, OW;
  int64_t th, tn, rowTiles, chTiles, pitch;
  /// Kernel rows per weight fill and the number of fills per output tile.
  int64_t kc = 1, chunks = 1;
  /// The input tile holds SH row phases: phase ph has the padded rows
  /// py = oy0 * SH + ph + SH * i, each Wrow pixels (the padded width rounded
  /// up to a multiple of SW), so kernel row ky of output row oy is row
  /// oy + ky / SH of phase ky % SH and every stride streams with pitch
  /// Wrow / SW.
  int64_t Wrow = 0;
  std::vector<uint64_t> phaseOffset;
  bool flat, perChannel, hasBias;
  /// ISA v2: the depthwise mode, the bias added by the requantize, the
  /// activation table.
  bool dw = false, fusedBias = false, lut = false;
  /// Depthwise: the weight rows of a channel tile are the kernel's taps in
  /// `tapOrder` (ky * KW + kx), kernel rows of one row phase together, cut
  /// into preloads of at most R / KW kernel rows. Tap i of a group starting
  /// at kernel row ky0 lies (i / KW) * Wrow * C + (i % KW) * C bytes after
  /// kernel row ky0's first pixel (config_taps).
  struct TapGroup {
    int64_t ky0, kernelRows, firstRow;
  };
  std::vector<TapGroup> tapGroups;
  std::vector<int64_t> tapOrder;
  uint64_t tableOffset = 0, spTable = 0;
  /// Blocks span kernel taps (every channel tile reads every input channel).
  bool mergeTaps = false;
  // Per channel tile: input-channel range (groups), constants offsets.
  std::vector<int64_t> cBegin, cEnd, wOffset, pOffset, wBytes, pBytes;
  uint64_t constantBytes = 0;
  // Buffers.
  uint64_t inTileBytes = 0, wTileBytes = 0, outTileBytes = 0;
  uint64_t accTileBytes = 0, paramSlotBytes = 0;
  uint64_t spIn[2] = {}, spW[2] = {}, spOut[2] = {}, spEnd = 0;
  uint64_t accTile = 0, accParam[2] = {}, accEnd = 0;
  Schedule schedule;
  /// Folded bias and requantize parameters per output channel.
  std::vector<int32_t> bias, multiplier, shift;

  Plan(const ConvLayer &layer, const ConvTiling &tiling, const HardwareDesc &hw)
      : layer(layer), tiling(tiling), hw(hw) {}

  int64_t tileRowsOf(int64_t r) const { return std::min(th, OH - r * th); }
  /// Rows of phase `ph` a tile of `rows` output rows reads (none when no
  /// kernel row falls in the phase: a 1x1 stride-2 convolution reads only
  /// the even rows).
  int64_t phaseRows(int64_t rows, int64_t ph) const {
    return ph < KH ? rows + (KH - 1 - ph) / SH : 0;
  }
  /// Byte offset in the input tile of kernel row ky of output row oy.
  uint64_t rowOffset(int64_t ky, int64_t oy) const {
    return phaseOffset[ky % SH] + uint64_t((oy + ky / SH) * Wrow * C);
  }
  int64_t tileChannelsOf(int64_t t) const { return std::min(tn, K - t * tn); }
  /// Accumulator rows of a tile of `rows` output rows.
  int64_t accRowsOf(int64_t rows) const {
    return flat ? (rows - 1) * pitch + OW : rows * OW;
  }
  /// Whether input channels [c, c + kb) and output channels [o, o + nb)
  /// share a group: otherwise the weight block is zero by construction.
  bool blockHasWeights(int64_t c, int64_t kb, int64_t o, int64_t nb) const {
    int64_t cg = C / layer.groups, og = K / layer.groups;
    return c / cg <= (o + nb - 1) / og && o / og <= (c + kb - 1) / cg;
  }
  int8_t weight(int64_t tap, int64_t c, int64_t o) const {
    int64_t cg = C / layer.groups, og = K / layer.groups;
    int64_t g = o / og;
    if (c < g * cg || c >= (g + 1) * cg)
      return 0;
    return layer.weights[(tap * cg + (c - g * cg)) * K + o];
  }
};

/// Geometry, buffers and steps of `tiling`; fails with the violated
/// constraint.
llvm::Error buildPlan(Plan &p, bool withSteps, bool withWeights = false) {
  const ConvLayer &l = p.layer;
  const HardwareDesc &hw = p.hw;
  auto fail = [&](const llvm::Twine &what) {
    return makeError("layer '" + l.name + "' (tiling " + p.tiling.str() +
                     "): " + what);
  };
  p.R = hw.rows;
  p.Cc = hw.cols;
  p.C = l.inC;
  p.K = l.outC;
  p.KH = l.kernelH;
  p.KW = l.kernelW;
  p.SH = l.strideH;
  p.SW = l.strideW;
  p.Hp = l.inH + l.padTop + l.padBottom;
  p.Wp = l.inW + l.padLeft + l.padRight;
  p.OH = l.outH();
  p.OW = l.outW();
  p.th = p.tiling.tileRows;
  p.tn = p.tiling.tileChannels;
  p.flat = p.tiling.flat;
  p.dw = p.tiling.depthwise;
  p.lut = !l.table.empty();
  if (p.lut && hw.isaVersion < 2)
    return fail("the activation table (vec lut) needs ISA version 2; the "
                "hardware '" +
                hw.name + "' has version " + llvm::Twine(hw.isaVersion));
  if (p.dw) {
    if (hw.isaVersion < 2)
      return fail("the depthwise mode needs ISA version 2; the hardware '" +
                  hw.name + "' has version " + llvm::Twine(hw.isaVersion));
    if (l.groups != p.C || p.C != p.K)
      return fail("the depthwise mode needs groups = input channels = output "
                  "channels");
    if (p.tiling.kernelRowsPerFill)
      return fail("the depthwise mode takes every kernel row in one fill");
    if (p.KW > std::min(p.R, kMaxTapCols))
      return fail("the depthwise mode needs the kernel width " +
                  llvm::Twine(p.KW) + " to fit " +
                  llvm::Twine(std::min(p.R, kMaxTapCols)) + " array rows");
  }
  if (p.th < 1 || p.th > p.OH)
    return fail("tile rows must lie in [1, " + llvm::Twine(p.OH) + "]");
  if (p.tn < 1 || (p.tn != p.K && p.tn % p.Cc != 0) || p.tn > p.K)
    return fail("tile channels must be a multiple of the array's " +
                llvm::Twine(p.Cc) + " columns or all " + llvm::Twine(p.K));
  p.kc = p.tiling.kernelRowsPerFill ? p.tiling.kernelRowsPerFill : p.KH;
  if (p.kc < 1 || p.kc > p.KH)
    return fail("kernel rows per fill must lie in [1, " + llvm::Twine(p.KH) +
                "]");
  p.chunks = ceilDiv(p.KH, p.kc);
  p.Wrow = ceilDiv(p.Wp, p.SW) * p.SW;
  p.pitch = p.flat ? p.Wrow / p.SW : p.OW;
  p.rowTiles = ceilDiv(p.OH, p.th);
  p.chTiles = ceilDiv(p.K, p.tn);
  p.mergeTaps = l.groups == 1;
  if (p.dw && (p.C > kMaxTapStride || p.Wrow * p.C > kMaxTapStride))
    return fail("an input row of " + llvm::Twine(p.Wrow * p.C) +
                " bytes exceeds config_taps' stride field");
  if (l.padTop > kMaxPadRows || l.padBottom > kMaxPadRows)
    return fail("padding of " + llvm::Twine(std::max(l.padTop, l.padBottom)) +
                " rows exceeds the DMA's " + llvm::Twine(kMaxPadRows));
  int64_t padRight = p.Wrow - l.inW - l.padLeft;
  if (std::max(l.padLeft, padRight) * p.C > kMaxPadElems)
    return fail(
        "padding of " + llvm::Twine(std::max(l.padLeft, padRight) * p.C) +
        " elements per row exceeds the DMA's " + llvm::Twine(kMaxPadElems));
  // Every phase of every row tile must read at least one real input row.
  for (int64_t r = 0; r < p.rowTiles; ++r)
    for (int64_t ph = 0; ph < p.SH; ++ph) {
      int64_t first = r * p.th * p.SH + ph;
      int64_t last = first + p.SH * (p.phaseRows(p.tileRowsOf(r), ph) - 1);
      if (p.phaseRows(p.tileRowsOf(r), ph) == 0)
        continue;
      bool real = false;
      for (int64_t py = first; py <= last && !real; py += p.SH)
        real = py >= l.padTop && py < l.padTop + l.inH;
      if (!real)
        return fail("a row tile covers only padding");
    }

  // Channel tiles: the input channels their groups read, constants layout.
  int64_t cg = p.C / l.groups, og = p.K / l.groups;
  p.perChannel = l.multiplier.size() > 1;
  // The bias add is needed when a bias or the input zero point's
  // correction may be non-zero (decided without reading the weights, so
  // that the cost of a layer does not depend on their values). ISA v2 adds
  // it in the requantize, with per-channel (multiplier, shift, bias)
  // triples even for a per-tensor scale.
  p.hasBias = l.inZeroPoint != 0 ||
              llvm::any_of(l.bias, [](int32_t b) { return b != 0; });
  p.fusedBias = p.hasBias && hw.isaVersion >= 2;
  uint64_t offset = 0;
  for (int64_t t = 0; t < p.chTiles; ++t) {
    int64_t n0 = t * p.tn, n = p.tileChannelsOf(t);
    int64_t begin = (n0 / og) * cg, end = ((n0 + n - 1) / og + 1) * cg;
    p.cBegin.push_back(begin);
    p.cEnd.push_back(end);
    // One block of weights per reduction chunk, each followed by the
    // epilogue's parameters (loaded with every chunk, used by the last).
    for (int64_t k = 0; k < p.chunks; ++k) {
      int64_t rows = std::min(p.kc, p.KH - k * p.kc);
      int64_t w = p.dw ? p.KH * p.KW * n : rows * p.KW * (end - begin) * n;
      int64_t params = n * 4 * (p.fusedBias || p.perChannel ? 3 : 1);
      p.wOffset.push_back(int64_t(offset));
      p.wBytes.push_back(w);
      offset = align4(offset + w);
      p.pOffset.push_back(int64_t(offset));
      p.pBytes.push_back(params);
      offset += params;
      p.wTileBytes = std::max<uint64_t>(p.wTileBytes, w);
      p.paramSlotBytes = std::max<uint64_t>(p.paramSlotBytes, params);
    }
  }
  if (p.lut) {
    p.tableOffset = align4(offset);
    offset = p.tableOffset + kTableBytes;
  }
  p.constantBytes = offset;
  if (p.dw) {
    int64_t maxRows = p.R / p.KW;
    for (int64_t ph = 0; ph < p.SH; ++ph)
      for (int64_t ky = ph; ky < p.KH; ky += maxRows * p.SH) {
        Plan::TapGroup g{ky, 0, int64_t(p.tapOrder.size())};
        for (int64_t y = ky; y < p.KH && g.kernelRows < maxRows;
             y += p.SH, ++g.kernelRows)
          for (int64_t kx = 0; kx < p.KW; ++kx)
            p.tapOrder.push_back(y * p.KW + kx);
        p.tapGroups.push_back(g);
      }
  }

  // Buffers.
  for (int64_t ph = 0; ph < p.SH; ++ph) {
    p.phaseOffset.push_back(p.inTileBytes);
    p.inTileBytes += uint64_t(p.phaseRows(p.th, ph) * p.Wrow * p.C);
  }
  int64_t accRows = p.accRowsOf(p.th);
  p.outTileBytes = uint64_t(accRows * p.tn);
  p.accTileBytes = uint64_t(accRows * p.tn * 4);

  // Steps in loop order, buffers.
  p.schedule = makeSchedule(l.batch, p.rowTiles, p.chTiles,
                            p.tiling.order == ConvTiling::Order::WeightsOuter,
                            /*inputPerChannelTile=*/false,
                            /*weightsOnce=*/false, p.chunks);
  unsigned inSlots = p.schedule.inSlots, wSlots = p.schedule.wSlots,
           outSlots = p.schedule.outSlots;

  // Static allocation: consecutive regions, checked against the SRAMs.
  uint64_t sp = 0;
  for (unsigned i = 0; i < inSlots; ++i, sp += p.inTileBytes)
    p.spIn[i] = sp;
  for (unsigned i = 0; i < wSlots; ++i, sp += p.wTileBytes)
    p.spW[i] = sp;
  for (unsigned i = 0; i < outSlots; ++i, sp += p.outTileBytes)
    p.spOut[i] = sp;
  if (p.lut) {
    p.spTable = sp;
    sp += kTableBytes;
  }
  p.spEnd = sp;
  uint64_t acc = 0;
  p.accTile = acc;
  acc += p.accTileBytes;
  for (unsigned i = 0; i < wSlots; ++i, acc += p.paramSlotBytes)
    p.accParam[i] = acc;
  p.accEnd = acc;
  if (p.spEnd > hw.scratchpadBytes)
    return fail(
        llvm::formatv("needs {0} bytes of scratchpad ({1} input tile "
                      "x{2}, {3} weights x{4}, {5} output tile x{6}{7}); "
                      "the hardware has {8}",
                      p.spEnd, p.inTileBytes, inSlots, p.wTileBytes, wSlots,
                      p.outTileBytes, outSlots,
                      p.lut ? ", 256 activation table" : "", hw.scratchpadBytes)
            .str());
  if (p.accEnd > hw.accumulatorBytes)
    return fail(llvm::formatv("needs {0} bytes of accumulator ({1} int32 "
                              "tile, {2} bias/requantize parameters x{3}); "
                              "the hardware has {4}",
                              p.accEnd, p.accTileBytes, p.paramSlotBytes,
                              wSlots, hw.accumulatorBytes)
                    .str());
  if (!withSteps)
    return llvm::Error::success();

  if (withWeights) {
    // Folded bias: bias - inZP * sum of the weights of each output channel.
    p.bias.assign(p.K, 0);
    for (int64_t o = 0; o < p.K; ++o) {
      int64_t sum = 0;
      for (int64_t tap = 0; tap < p.KH * p.KW; ++tap)
        for (int64_t c = 0; c < cg; ++c)
          sum += l.weights[(tap * cg + c) * p.K + o];
      int64_t b =
          (l.bias.empty() ? 0 : l.bias[o]) - int64_t(l.inZeroPoint) * sum;
      p.bias[o] = int32_t(b); // wraps like the int32 accumulation
    }
  }
  for (int64_t o = 0; o < p.K; ++o) {
    size_t i = p.perChannel ? size_t(o) : 0;
    p.multiplier.push_back(l.multiplier[i]);
    p.shift.push_back(l.shift[i]);
  }
  return llvm::Error::success();
}

/// Emits the layer (keep: store instructions) and, when `constants` is
/// given, packs the constants image.
void emitPlan(const Plan &p, Emitter &e, const LayerAddresses &addr,
              std::vector<uint8_t> *constants) {
  const ConvLayer &l = p.layer;
  // The bias and (per channel) the requantize pairs of channel tile t.
  auto writeParams = [&](uint8_t *prm, int64_t t) {
    int64_t n0 = t * p.tn, n = p.tileChannelsOf(t);
    auto put = [&](int64_t index, int32_t value) {
      for (int i = 0; i < 4; ++i)
        prm[4 * index + i] = uint8_t(uint32_t(value) >> (8 * i));
    };
    for (int64_t j = 0; j < n; ++j) {
      if (p.fusedBias) {
        put(3 * j, p.multiplier[n0 + j]);
        put(3 * j + 1, p.shift[n0 + j]);
        put(3 * j + 2, p.bias[n0 + j]);
        continue;
      }
      put(j, p.bias[n0 + j]);
      if (p.perChannel) {
        put(n + 2 * j, p.multiplier[n0 + j]);
        put(n + 2 * j + 1, p.shift[n0 + j]);
      }
    }
  };
  if (constants) {
    constants->assign(p.constantBytes, 0);
    for (int64_t t = 0; t < p.chTiles; ++t) {
      int64_t n0 = t * p.tn, n = p.tileChannelsOf(t);
      int64_t cr = p.cEnd[t] - p.cBegin[t];
      for (int64_t k = 0; k < p.chunks; ++k) {
        size_t chunk = size_t(t * p.chunks + k);
        uint8_t *w = constants->data() + p.wOffset[chunk];
        writeParams(constants->data() + p.pOffset[chunk], t);
        if (p.dw) {
          // [tapOrder][n]: weight row i is tap tapOrder[i] of every channel.
          for (auto [i, tap] : llvm::enumerate(p.tapOrder))
            for (int64_t j = 0; j < n; ++j)
              w[int64_t(i) * n + j] = uint8_t(p.weight(tap, n0 + j, n0 + j));
          continue;
        }
        int64_t firstTap = k * p.kc * p.KW;
        int64_t taps = std::min(p.kc, p.KH - k * p.kc) * p.KW;
        for (int64_t tap = 0; tap < taps; ++tap)
          for (int64_t c = 0; c < cr; ++c)
            for (int64_t j = 0; j < n; ++j)
              w[(tap * cr + c) * n + j] =
                  uint8_t(p.weight(firstTap + tap, p.cBegin[t] + c, n0 + j));
      }
    }
    if (p.lut)
      std::copy(l.table.begin(), l.table.end(),
                constants->begin() + int64_t(p.tableOffset));
  }

  int64_t C = p.C, K = p.K;
  StepEmitters emit;
  bool tableLoaded = false;
  emit.loadWeights = [&](const Step &s) {
    // The activation table, once with the first fill (never overwritten).
    if (p.lut && !tableLoaded) {
      e.linearLoad(Mem::Scratchpad, p.spTable, addr.constants + p.tableOffset,
                   kTableBytes);
      tableLoaded = true;
    }
    size_t chunk = size_t(s.t * p.chunks + s.k);
    e.linearLoad(Mem::Scratchpad, p.spW[s.wSlot],
                 addr.constants + p.wOffset[chunk], p.wBytes[chunk]);
    e.linearLoad(Mem::Accumulator, p.accParam[s.wSlot],
                 addr.constants + p.pOffset[chunk], p.pBytes[chunk]);
  };
  emit.loadInput = [&](const Step &s) {
    // One DMA per row phase (every SH-th input row); the padding rows at
    // its ends and the padding columns come from the DMA.
    int64_t rows = p.tileRowsOf(s.r);
    for (int64_t ph = 0; ph < p.SH; ++ph) {
      int64_t n = p.phaseRows(rows, ph);
      if (n == 0)
        continue;
      int64_t start = s.r * p.th * p.SH + ph; // padded row of i = 0
      int64_t first = std::max<int64_t>(0, ceilDiv(l.padTop - start, p.SH));
      int64_t end = std::min(n, ceilDiv(l.padTop + l.inH - start, p.SH));
      int64_t iy = start + p.SH * first - l.padTop;
      uint64_t dram = addr.input + uint64_t(((s.b * l.inH + iy) * l.inW) * C);
      e.dmaLoad(Mem::Scratchpad, p.spIn[s.inSlot] + p.phaseOffset[ph], dram,
                end - first, l.inW * C, p.SH * l.inW * C, p.Wrow * C, first,
                n - end, l.padLeft * C, (p.Wrow - l.inW - l.padLeft) * C,
                l.inZeroPoint);
    }
  };
  auto computeTile = [&](const Step &s) {
    int64_t rows = p.tileRowsOf(s.r), n = p.tileChannelsOf(s.t);
    int64_t cr = p.cEnd[s.t] - p.cBegin[s.t];
    int64_t n0 = s.t * p.tn;
    uint64_t in = p.spIn[s.inSlot], w = p.spW[s.wSlot];
    int64_t accStride = n * 4;
    if (p.dw) {
      // Per block of columns (channels) and group of taps: the taps are the
      // reduction rows, column j reads channel n0 + j0 + j of the tile.
      for (int64_t j0 = 0; j0 < n; j0 += p.Cc) {
        int64_t nb = std::min(p.Cc, n - j0);
        bool first = true;
        for (const Plan::TapGroup &g : p.tapGroups) {
          e.preload(w + uint64_t(g.firstRow * n + j0), g.kernelRows * p.KW, nb,
                    n);
          uint64_t channel = uint64_t(n0 + j0);
          if (p.flat) {
            e.matmul(in + p.rowOffset(g.ky0, 0) + channel, p.accTile + 4 * j0,
                     p.accRowsOf(rows), p.SW * C, accStride, !first,
                     /*depthwise=*/true);
          } else {
            for (int64_t oy = 0; oy < rows; ++oy)
              e.matmul(in + p.rowOffset(g.ky0, oy) + channel,
                       p.accTile + uint64_t(oy * p.OW * accStride + 4 * j0),
                       p.OW, p.SW * C, accStride, !first, /*depthwise=*/true);
          }
          first = false;
        }
      }
    }
    for (int64_t j0 = 0; j0 < n && !p.dw; j0 += p.Cc) {
      int64_t nb = std::min(p.Cc, n - j0);
      // The weight blocks: `row` is the first weight row within kernel row
      // ky (kx * cr + c), `pixel` the matching byte of the input row.
      struct Block {
        int64_t ky, row, pixel, kb;
      };
      std::vector<Block> blocks;
      int64_t ky0 = s.k * p.kc, ky1 = std::min(p.KH, ky0 + p.kc);
      for (int64_t ky = ky0; ky < ky1; ++ky) {
        if (p.mergeTaps) {
          // Every input channel: the KW taps of a kernel row are one
          // contiguous run of KW * C bytes of the padded input row, and of
          // weight rows, so blocks of R rows span taps (a 7x7 stem with 3
          // channels: 2 blocks per kernel row instead of 7).
          for (int64_t r0 = 0; r0 < p.KW * C; r0 += p.R)
            blocks.push_back({ky, r0, r0, std::min(p.R, p.KW * C - r0)});
          continue;
        }
        // Per tap; the blocks with a non-zero weight (all-zero blocks of
        // grouped convolutions add nothing), at least one to write the tile.
        for (int64_t kx = 0; kx < p.KW; ++kx)
          for (int64_t c0 = 0; c0 < cr; c0 += p.R) {
            int64_t kb = std::min(p.R, cr - c0);
            bool any = p.blockHasWeights(p.cBegin[s.t] + c0, kb, n0 + j0, nb);
            bool lastBlock = ky == ky1 - 1 && kx == p.KW - 1 && c0 + p.R >= cr;
            if (any || (blocks.empty() && lastBlock && s.firstChunk))
              blocks.push_back(
                  {ky, kx * cr + c0, kx * C + p.cBegin[s.t] + c0, kb});
          }
      }
      // Only the first block of the first chunk overwrites the tile.
      bool first = s.firstChunk;
      for (const Block &blk : blocks) {
        e.preload(w + uint64_t(((blk.ky - ky0) * p.KW * cr + blk.row) * n + j0),
                  blk.kb, nb, n);
        uint64_t pixel = uint64_t(blk.pixel);
        if (p.flat) {
          e.matmul(in + p.rowOffset(blk.ky, 0) + pixel, p.accTile + 4 * j0,
                   p.accRowsOf(rows), p.SW * C, accStride, !first);
        } else {
          for (int64_t oy = 0; oy < rows; ++oy)
            e.matmul(in + p.rowOffset(blk.ky, oy) + pixel,
                     p.accTile + uint64_t(oy * p.OW * accStride + 4 * j0), p.OW,
                     p.SW * C, accStride, !first);
        }
        first = false;
      }
    }
    if (p.hasBias && !p.fusedBias && s.lastChunk)
      e.vec(VecFunc::Add, p.accTile, accStride, p.accParam[s.wSlot], 0,
            Mem::Accumulator, p.accTile, accStride, p.accRowsOf(rows), n);
  };
  emit.compute = [&](const Step &s) {
    // Pixels C bytes apart, kernel rows of a row phase one input row apart.
    if (p.dw)
      e.configTaps(p.KW, C, p.Wrow * C);
    // The same tile shape costs the same: priced once when counting. Without
    // groups every channel tile reads every input channel and holds weights
    // in every block, so its width alone tells channel tiles apart.
    std::string tile = l.groups == 1
                           ? "n" + std::to_string(p.tileChannelsOf(s.t))
                           : std::to_string(s.t);
    e.executeRun(std::to_string(p.tileRowsOf(s.r)) + "," + tile + "," +
                     std::to_string(s.k),
                 [&] { computeTile(s); });
  };
  emit.writeOutput = [&](const Step &s) {
    int64_t rows = p.tileRowsOf(s.r), n = p.tileChannelsOf(s.t);
    if (p.fusedBias)
      e.configQuant(0, 0, l.outZeroPoint, l.clampLo, l.clampHi,
                    /*perChannel=*/true, p.accParam[s.wSlot], /*bias=*/true);
    else
      e.configQuant(p.multiplier[0], p.shift[0], l.outZeroPoint, l.clampLo,
                    l.clampHi, p.perChannel,
                    p.accParam[s.wSlot] + uint64_t(4 * n));
    if (!p.lut) {
      e.vec(VecFunc::Requant, p.accTile, n * 4, 0, 0, Mem::Scratchpad,
            p.spOut[s.outSlot], n, p.accRowsOf(rows), n);
      return;
    }
    // Requantize in place (int32), then the table writes the int8 tile.
    e.vec(VecFunc::Requant, p.accTile, n * 4, 0, 0, Mem::Accumulator, p.accTile,
          n * 4, p.accRowsOf(rows), n);
    e.vec(VecFunc::Lut, p.accTile, n * 4, p.spTable, 0, Mem::Scratchpad,
          p.spOut[s.outSlot], n, p.accRowsOf(rows), n);
  };
  emit.store = [&](const Step &s) {
    int64_t rows = p.tileRowsOf(s.r), n = p.tileChannelsOf(s.t);
    int64_t oy0 = s.r * p.th, n0 = s.t * p.tn;
    uint64_t out = addr.output + uint64_t(((s.b * p.OH + oy0) * p.OW) * K + n0);
    uint64_t sp = p.spOut[s.outSlot];
    if (p.pitch == p.OW) {
      e.dmaStore(Mem::Scratchpad, sp, out, rows * p.OW, n, K, n);
      return;
    }
    for (int64_t oy = 0; oy < rows; ++oy)
      e.dmaStore(Mem::Scratchpad, sp + uint64_t(oy * p.pitch * n),
                 out + uint64_t(oy * p.OW * K), p.OW, n, K, n);
  };
  emitSchedule(p.schedule, e, emit);
}

/// The schedule's cost plus what only the layer knows.
LayerCost priceSteps(const Plan &p, const Emitter &e) {
  LayerCost cost = priceSchedule(p.schedule, e, p.hw);
  cost.macs = p.layer.macs();
  cost.scratchpadBytes = p.spEnd;
  cost.accumulatorBytes = p.accEnd;
  return cost;
}

} // namespace

//===----------------------------------------------------------------------===//
// ConvLayer, ConvTiling
//===----------------------------------------------------------------------===//

uint64_t ConvLayer::macs() const {
  return uint64_t(batch) * outH() * outW() * outC * kernelH * kernelW *
         (inC / std::max<int64_t>(groups, 1));
}

llvm::Error ConvLayer::verify() const {
  auto fail = [&](const llvm::Twine &what) {
    return makeError("layer '" + name + "': " + what);
  };
  for (auto [value, what] : {std::pair{batch, "batch"},
                             {inH, "input height"},
                             {inW, "input width"},
                             {inC, "input channels"},
                             {outC, "output channels"},
                             {kernelH, "kernel height"},
                             {kernelW, "kernel width"},
                             {strideH, "stride"},
                             {strideW, "stride"},
                             {groups, "groups"}})
    if (value < 1)
      return fail(llvm::Twine(what) + " must be at least 1");
  for (int64_t pad : {padTop, padLeft, padBottom, padRight})
    if (pad < 0)
      return fail("padding must not be negative");
  if (inC % groups || outC % groups)
    return fail("channels " + llvm::Twine(inC) + " -> " + llvm::Twine(outC) +
                " are not divisible by " + llvm::Twine(groups) + " groups");
  if (inH + padTop + padBottom < kernelH || inW + padLeft + padRight < kernelW)
    return fail("the kernel is larger than the padded input");
  if (!weights.empty() &&
      weights.size() != uint64_t(kernelH * kernelW * (inC / groups) * outC))
    return fail("has " + llvm::Twine(weights.size()) + " weights, expected " +
                llvm::Twine(kernelH * kernelW * (inC / groups) * outC));
  if (!bias.empty() && bias.size() != uint64_t(outC))
    return fail("bias has " + llvm::Twine(bias.size()) + " values, expected " +
                llvm::Twine(outC));
  if (multiplier.size() != shift.size() ||
      (multiplier.size() != 1 && multiplier.size() != uint64_t(outC)))
    return fail("requantize parameters must be one pair or one per output "
                "channel");
  for (int32_t s : shift)
    if (s < 0 || s > 63)
      return fail("requantize shift " + llvm::Twine(s) + " outside [0, 63]");
  for (auto [value, what] : {std::pair{inZeroPoint, "input zero point"},
                             {outZeroPoint, "output zero point"},
                             {clampLo, "clamp"},
                             {clampHi, "clamp"}})
    if (value < -128 || value > 127)
      return fail(llvm::Twine(what) + " " + llvm::Twine(value) +
                  " is not an int8");
  if (clampLo > clampHi)
    return fail("clamp_lo exceeds clamp_hi");
  if (!table.empty() && table.size() != kTableBytes)
    return fail("the activation table has " + llvm::Twine(table.size()) +
                " entries, expected " + llvm::Twine(kTableBytes));
  return llvm::Error::success();
}

/// The layer's own checks and what it needs of the hardware's ISA version
/// (the depthwise mode is the tiling's: checkConvTiling).
static llvm::Error verifyOn(const ConvLayer &layer, const HardwareDesc &hw) {
  if (auto e = layer.verify())
    return e;
  if (!layer.table.empty() && hw.isaVersion < 2)
    return makeError("layer '" + layer.name +
                     "': the activation table (vec lut) needs ISA version 2; "
                     "the hardware '" +
                     hw.name + "' has version " + llvm::Twine(hw.isaVersion));
  return llvm::Error::success();
}

std::string ConvTiling::str() const {
  return llvm::formatv(
             "rows={0} ch={1} {2}{3}{4}{5}", tileRows, tileChannels,
             order == Order::WeightsOuter ? "weights-outer" : "inputs-outer",
             flat ? " flat" : "",
             kernelRowsPerFill ? " krows=" + std::to_string(kernelRowsPerFill)
                               : std::string(),
             depthwise ? " dw" : "")
      .str();
}

bool ConvTiling::operator==(const ConvTiling &other) const {
  return tileRows == other.tileRows && tileChannels == other.tileChannels &&
         order == other.order && flat == other.flat &&
         kernelRowsPerFill == other.kernelRowsPerFill &&
         depthwise == other.depthwise;
}

llvm::StringRef npu::getBoundName(Bound bound) {
  switch (bound) {
  case Bound::Compute:
    return "compute";
  case Bound::Dram:
    return "dram";
  case Bound::Issue:
    return "issue";
  }
  return "";
}

double LayerCost::utilization(const HardwareDesc &hw) const {
  return cycles ? double(macs) / (double(cycles) * hw.peakMacsPerCycle()) : 0;
}

//===----------------------------------------------------------------------===//
// Cost model, search, emission
//===----------------------------------------------------------------------===//

llvm::Error npu::checkConvTiling(const ConvLayer &layer,
                                 const ConvTiling &tiling,
                                 const HardwareDesc &hw) {
  if (auto e = verifyOn(layer, hw))
    return e;
  Plan p(layer, tiling, hw);
  return buildPlan(p, /*withSteps=*/false);
}

llvm::Expected<LayerCost> npu::estimateConv(const ConvLayer &layer,
                                            const ConvTiling &tiling,
                                            const HardwareDesc &hw) {
  if (auto e = verifyOn(layer, hw))
    return std::move(e);
  Plan p(layer, tiling, hw);
  if (auto e = buildPlan(p, /*withSteps=*/true))
    return std::move(e);
  Emitter e(hw, /*keep=*/false);
  emitPlan(p, e, LayerAddresses(), nullptr);
  return priceSteps(p, e);
}

std::vector<ConvTiling> npu::enumerateConvTilings(const ConvLayer &layer,
                                                  const HardwareDesc &hw) {
  std::vector<ConvTiling> result;
  if (llvm::Error e = verifyOn(layer, hw)) {
    llvm::consumeError(std::move(e));
    return result;
  }
  int64_t oh = layer.outH(), k = layer.outC;
  std::vector<int64_t> sizes = getTileSizes(oh);
  std::set<int64_t> rows(sizes.begin(), sizes.end()), channels = {k};
  for (int64_t c = hw.cols; c < k; c *= 2)
    channels.insert(c);
  // The array's depthwise mode next to the block-diagonal weights.
  bool depthwise = hw.isaVersion >= 2 && layer.groups == layer.inC &&
                   layer.inC == layer.outC;
  for (bool dw : {false, true})
    for (int64_t ch : channels)
      for (int64_t r : rows)
        for (auto order :
             {ConvTiling::Order::WeightsOuter, ConvTiling::Order::InputsOuter})
          for (bool flat : {false, true})
            // All kernel rows per fill, or one (the weights of one kernel
            // row, to fit a taller input tile next to them).
            for (int64_t krows : {int64_t(0), int64_t(1)}) {
              if (order == ConvTiling::Order::InputsOuter && ch == k)
                continue; // the same loop nest as weights-outer
              if (krows && layer.kernelH == 1)
                continue;
              if (dw && (!depthwise || krows))
                continue;
              ConvTiling t{r, ch, order, flat, krows, dw};
              if (llvm::Error e = checkConvTiling(layer, t, hw))
                llvm::consumeError(std::move(e));
              else
                result.push_back(t);
            }
  return result;
}

static llvm::Expected<ConvTiling> searchConvTiling(const ConvLayer &layer,
                                                   const HardwareDesc &hw,
                                                   LayerCost *cost);

namespace {
/// Everything the choice of a tiling depends on: the shapes, what the
/// epilogue does, and the hardware (its hash covers every timing field; the
/// energy table only changes the reported energy, so it is part of the key
/// through the cost stored with the choice).
std::string getSearchKey(const ConvLayer &l, const HardwareDesc &hw) {
  bool hasBias = l.inZeroPoint != 0 ||
                 llvm::any_of(l.bias, [](int32_t b) { return b != 0; });
  return llvm::formatv(
             "{0}x{1}x{2}x{3}->{4} k{5}x{6} s{7}x{8} p{9},{10},{11},"
             "{12} g{13} pc{14} b{15} hw{16:x} e{17} t{18}",
             l.batch, l.inH, l.inW, l.inC, l.outC, l.kernelH, l.kernelW,
             l.strideH, l.strideW, l.padTop, l.padLeft, l.padBottom, l.padRight,
             l.groups, l.multiplier.size() > 1, hasBias, hashHardwareDesc(hw),
             hw.energy.leakagePerCycle + hw.energy.macInt8 + hw.energy.dramByte,
             !l.table.empty())
      .str();
}
} // namespace

llvm::Expected<ConvTiling> npu::chooseConvTiling(const ConvLayer &layer,
                                                 const HardwareDesc &hw,
                                                 LayerCost *cost) {
  if (auto e = verifyOn(layer, hw))
    return std::move(e);
  // Models repeat layer shapes (ResNet-50: 53 convolutions, 21 shapes): the
  // search runs once per shape and hardware.
  static std::mutex cacheMutex;
  static std::map<std::string, std::pair<ConvTiling, LayerCost>> cache;
  std::string key = getSearchKey(layer, hw);
  {
    std::lock_guard<std::mutex> lock(cacheMutex);
    auto it = cache.find(key);
    if (it != cache.end()) {
      if (cost)
        *cost = it->second.second;
      return it->second.first;
    }
  }
  LayerCost chosenCost;
  llvm::Expected<ConvTiling> chosen = searchConvTiling(layer, hw, &chosenCost);
  if (chosen) {
    if (cost)
      *cost = chosenCost;
    std::lock_guard<std::mutex> lock(cacheMutex);
    cache.emplace(key, std::make_pair(*chosen, chosenCost));
  }
  return chosen;
}

static llvm::Expected<ConvTiling> searchConvTiling(const ConvLayer &layer,
                                                   const HardwareDesc &hw,
                                                   LayerCost *cost) {
  std::vector<ConvTiling> candidates = enumerateConvTilings(layer, hw);
  if (candidates.empty()) {
    // Report the smallest tiling's footprint: one output row, one block of
    // channels, per-row streaming.
    ConvTiling smallest{1, std::min<int64_t>(hw.cols, layer.outC),
                        ConvTiling::Order::WeightsOuter, false};
    return noTilingFits(layer.name, checkConvTiling(layer, smallest, hw));
  }
  // The baseline is a candidate too: the search never predicts worse.
  if (llvm::Expected<ConvTiling> greedy = greedyConvTiling(layer, hw)) {
    if (!llvm::is_contained(candidates, *greedy))
      candidates.push_back(*greedy);
  } else {
    llvm::consumeError(greedy.takeError());
  }
  auto best = pickCheapest(candidates, [&](const ConvTiling &t) {
    return estimateConv(layer, t, hw);
  });
  if (!best)
    return noTilingFits(layer.name, llvm::Error::success());
  if (cost)
    *cost = best->second;
  return best->first;
}

uint64_t npu::getConvConstantBytes(const ConvLayer &layer,
                                   const ConvTiling &tiling,
                                   const HardwareDesc &hw) {
  Plan p(layer, tiling, hw);
  if (auto e = buildPlan(p, /*withSteps=*/false)) {
    llvm::consumeError(std::move(e));
    return 0;
  }
  return p.constantBytes;
}

llvm::Expected<LayerCode> npu::emitConv(const ConvLayer &layer,
                                        const ConvTiling &tiling,
                                        const HardwareDesc &hw,
                                        const LayerAddresses &addresses) {
  if (auto e = verifyOn(layer, hw))
    return std::move(e);
  if (layer.weights.empty())
    return makeError("layer '" + layer.name +
                     "': the weights are needed to emit the layer");
  Plan p(layer, tiling, hw);
  if (auto e = buildPlan(p, /*withSteps=*/true, /*withWeights=*/true))
    return std::move(e);
  if (auto e = checkDramRanges(layer.name, addresses, layer.inputBytes(),
                               layer.outputBytes(), p.constantBytes))
    return std::move(e);
  return emitLayerCode(
      hw,
      [&](Emitter &e, std::vector<uint8_t> *constants) {
        emitPlan(p, e, addresses, constants);
      },
      [&](const Emitter &e) { return priceSteps(p, e); });
}

llvm::Expected<ConvTiling> npu::greedyConvTiling(const ConvLayer &layer,
                                                 const HardwareDesc &hw) {
  if (auto e = verifyOn(layer, hw))
    return std::move(e);
  int64_t cols = hw.cols;
  ConvTiling t{layer.outH(), layer.outC, ConvTiling::Order::InputsOuter, false};
  while (true) {
    llvm::Error e = checkConvTiling(layer, t, hw);
    if (!e) {
      // With one channel tile both orders are the same loop nest.
      if (t.tileChannels == layer.outC)
        t.order = ConvTiling::Order::WeightsOuter;
      return t;
    }
    bool canShrinkChannels = t.tileChannels > cols;
    if (t.tileRows <= 1 && !canShrinkChannels)
      return noTilingFits(layer.name, std::move(e));
    llvm::consumeError(std::move(e));
    // Gemmini reduces the largest dimension; channels move in whole
    // multiples of the array's width.
    if (canShrinkChannels && (t.tileChannels >= t.tileRows || t.tileRows <= 1))
      t.tileChannels = t.tileChannels % cols ? t.tileChannels / cols * cols
                                             : t.tileChannels - cols;
    else
      --t.tileRows;
  }
}
