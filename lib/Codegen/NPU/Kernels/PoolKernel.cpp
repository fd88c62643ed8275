//===- PoolKernel.cpp - int8 max, average and global-sum pooling ----------===//
//
// Part of Tessera. ISA v1 has no int8 vector path, so pooling goes through
// the accumulator: a preloaded identity block streams the int8 input tile
// into int32 accumulator rows (one row per pixel), then
//   Max        one `vec max` per output row and kernel tap, with the source
//              stride stepping over the horizontal stride; taps that fall in
//              the vertical padding are skipped, the horizontal padding is
//              -128 written by the DMA (it never wins);
//   GlobalSum  one matmul with acc_stride 0 sums every pixel into one row;
//              `vec add` adds -H*W*zero_point;
//   Avg        one accumulating matmul per output row and kernel tap sums
//              the window straight into the output rows (the input tile is
//              not copied first); padding is the input zero point (the DMA's
//              pad value horizontally, a constant row of it for the taps in
//              the vertical padding), so every output sums K = kH*kW values
//              and -K*zero_point is its bias: the per-channel `bias` of
//              `config_quant` on ISA v2, a `vec add` of a bias row on v1;
// and `vec requant` writes int8 (Max: the identity 2^30 >> 30, exact).
//
//===----------------------------------------------------------------------===//

#include "Pipeline.h"

#include "tessera/Codegen/NPU/Layer.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <optional>
#include <set>

using namespace tessera;
using namespace tessera::npu;
using namespace tessera::npu::kernels;

namespace {

constexpr int64_t kMaxPadPixels = (1 << 4) - 1; // dma_load pad_top/bottom
constexpr int64_t kMaxPadElems = (1 << 11) - 1; // dma_load pad_left/right
/// requantize(x, 2^30, 30) = x for every int32 x within int8.
constexpr int64_t kIdentityMultiplier = int64_t(1) << 30;
constexpr int64_t kIdentityShift = 30;

struct PoolPlan {
  const PoolLayer &layer;
  const PoolTiling &tiling;
  const HardwareDesc &hw;
  bool global = false, avg = false;
  /// Avg: the bias -K*zero_point, how it is added (ISA v2: the requantize's
  /// per-channel bias; v1: a bias row and `vec add`), and whether taps in
  /// the vertical padding read the constant zero-point row.
  int32_t avgBias = 0;
  bool biasInQuant = false, zeroRow = false;
  int64_t cb = 1; ///< identity block: min(R, C) of the array
  int64_t C = 1, OH = 1, OW = 1, Wp = 1, th = 1, tn = 1;
  int64_t rowTiles = 1, chTiles = 1;
  /// Whole pixel rows in one DMA (the tile has every channel).
  bool rowDma = false;
  Schedule schedule;
  uint64_t inTileBytes = 0, outTileBytes = 0;
  uint64_t spIn[2] = {}, spIdentity = 0, spOut[2] = {}, spEnd = 0;
  uint64_t spZeroRow = 0;
  uint64_t accIn = 0, accOut = 0, accBias = 0, accEnd = 0;
  uint64_t biasOffset = 0, zeroRowOffset = 0, constantBytes = 0;

  PoolPlan(const PoolLayer &layer, const PoolTiling &tiling,
           const HardwareDesc &hw)
      : layer(layer), tiling(tiling), hw(hw) {}

  int64_t tileRowsOf(int64_t r) const { return std::min(th, OH - r * th); }
  int64_t tileChannelsOf(int64_t t) const { return std::min(tn, C - t * tn); }
  /// Real input rows [first, end) a Max row tile reads.
  std::pair<int64_t, int64_t> inputRows(int64_t r) const {
    int64_t py0 = r * th * layer.strideH;
    int64_t py1 = py0 + (tileRowsOf(r) - 1) * layer.strideH + layer.kernelH;
    return {std::max<int64_t>(py0 - layer.padTop, 0),
            std::min(py1 - layer.padTop, layer.inH)};
  }
};

llvm::Error buildPoolPlan(PoolPlan &p) {
  const PoolLayer &l = p.layer;
  const HardwareDesc &hw = p.hw;
  auto fail = [&](const llvm::Twine &what) {
    return makeError("layer '" + l.name + "' (tiling " + p.tiling.str() +
                     "): " + what);
  };
  p.global = l.kind == PoolLayer::Kind::GlobalSum;
  p.avg = l.kind == PoolLayer::Kind::Avg;
  if (p.avg) {
    p.avgBias = -int32_t(l.kernelH * l.kernelW) * l.inZeroPoint;
    p.biasInQuant = p.avgBias != 0 && hw.isaVersion >= 2;
    p.zeroRow = l.inZeroPoint != 0 && (l.padTop > 0 || l.padBottom > 0);
  }
  p.cb = std::min(hw.rows, hw.cols);
  p.C = l.channels;
  p.OH = l.outH();
  p.OW = l.outW();
  p.Wp = p.global ? l.inW : l.inW + l.padLeft + l.padRight;
  p.th = p.tiling.tileRows;
  p.tn = p.tiling.tileChannels;
  if (p.th < 1 || p.th > p.OH)
    return fail("tile rows must lie in [1, " + llvm::Twine(p.OH) + "]");
  if (p.tn < 1 || p.tn > p.C || (p.tn != p.C && p.tn % p.cb != 0))
    return fail("tile channels must be a multiple of " + llvm::Twine(p.cb) +
                " or all " + llvm::Twine(p.C));
  p.rowTiles = ceilDiv(p.OH, p.th);
  p.chTiles = ceilDiv(p.C, p.tn);
  p.rowDma = p.tn == p.C;
  if (!p.global) {
    if (p.rowDma && std::max(l.padLeft, l.padRight) * p.C > kMaxPadElems)
      return fail(
          "padding of " + llvm::Twine(std::max(l.padLeft, l.padRight) * p.C) +
          " elements per row exceeds the DMA's " + llvm::Twine(kMaxPadElems));
    if (!p.rowDma && std::max(l.padLeft, l.padRight) > kMaxPadPixels)
      return fail("padding of " + llvm::Twine(std::max(l.padLeft, l.padRight)) +
                  " pixels exceeds the DMA's " + llvm::Twine(kMaxPadPixels));
    for (int64_t r = 0; r < p.rowTiles; ++r) {
      auto [first, end] = p.inputRows(r);
      if (end <= first)
        return fail("a row tile covers only padding");
    }
  }
  // A tile is refilled per channel tile unless it holds every channel.
  p.schedule = makeSchedule(l.batch, p.rowTiles, p.chTiles,
                            /*weightsOuter=*/false,
                            /*inputPerChannelTile=*/!p.rowDma,
                            /*weightsOnce=*/true);
  int64_t inRows = p.global ? l.inH : (p.th - 1) * l.strideH + l.kernelH;
  inRows = std::min(inRows, l.inH);
  p.inTileBytes = uint64_t(inRows * p.Wp * p.tn);
  int64_t outRows = p.global ? 1 : p.th * p.OW;
  p.outTileBytes = uint64_t(outRows * p.tn);
  uint64_t sp = 0;
  for (unsigned i = 0; i < p.schedule.inSlots; ++i, sp += p.inTileBytes)
    p.spIn[i] = sp;
  p.spIdentity = sp;
  sp += uint64_t(p.cb * p.cb);
  for (unsigned i = 0; i < p.schedule.outSlots; ++i, sp += p.outTileBytes)
    p.spOut[i] = sp;
  uint64_t zeroRowBytes = p.zeroRow ? uint64_t(p.Wp * p.tn) : 0;
  p.spZeroRow = sp;
  sp += zeroRowBytes;
  p.spEnd = sp;
  uint64_t acc = 0;
  p.accIn = acc;
  // Avg sums the taps straight into the output rows: no copy of the input.
  acc += p.global ? uint64_t(p.tn * 4) : p.avg ? 0 : p.inTileBytes * 4;
  p.accOut = p.global ? p.accIn : acc;
  if (!p.global)
    acc += uint64_t(outRows * p.tn * 4);
  // The bias row (GlobalSum, Avg on v1) or the (multiplier, shift, bias)
  // triples (Avg on v2).
  uint64_t biasBytes = 0;
  if (p.global || (p.avg && p.avgBias != 0))
    biasBytes = uint64_t(p.tn * (p.biasInQuant ? 12 : 4));
  p.accBias = acc;
  acc += biasBytes;
  p.accEnd = acc;
  p.biasOffset = (uint64_t(p.cb * p.cb) + 3) & ~uint64_t(3);
  p.zeroRowOffset = p.biasOffset + biasBytes;
  p.constantBytes = p.zeroRowOffset + zeroRowBytes;
  if (p.spEnd > hw.scratchpadBytes)
    return fail(llvm::formatv("needs {0} bytes of scratchpad ({1} input tile "
                              "x{2}, {3} output tile x{4}); the hardware has "
                              "{5}",
                              p.spEnd, p.inTileBytes, p.schedule.inSlots,
                              p.outTileBytes, p.schedule.outSlots,
                              hw.scratchpadBytes)
                    .str());
  if (p.accEnd > hw.accumulatorBytes)
    return fail(llvm::formatv("needs {0} bytes of accumulator; the hardware "
                              "has {1}",
                              p.accEnd, hw.accumulatorBytes)
                    .str());
  return llvm::Error::success();
}

void emitPoolPlan(const PoolPlan &p, Emitter &e, const LayerAddresses &addr,
                  std::vector<uint8_t> *constants) {
  const PoolLayer &l = p.layer;
  int64_t C = p.C, HW = l.inH * l.inW;
  int64_t bias = p.avg ? p.avgBias : -int64_t(HW) * l.inZeroPoint;
  bool hasBias = (p.global || p.avg) && bias != 0;
  bool biasRow = hasBias && !p.biasInQuant;
  int64_t padValue = p.avg ? l.inZeroPoint : -128;
  if (constants) {
    constants->assign(p.constantBytes, 0);
    for (int64_t i = 0; i < p.cb; ++i)
      (*constants)[i * p.cb + i] = 1;
    auto put32 = [&](uint64_t at, int32_t v) {
      for (int i = 0; i < 4; ++i)
        (*constants)[at + i] = uint8_t(uint32_t(v) >> (8 * i));
    };
    if (biasRow || p.global)
      for (int64_t j = 0; j < p.tn; ++j)
        put32(p.biasOffset + 4 * j, int32_t(bias));
    if (p.biasInQuant)
      for (int64_t j = 0; j < p.tn; ++j) {
        put32(p.biasOffset + 12 * j, l.multiplier);
        put32(p.biasOffset + 12 * j + 4, l.shift);
        put32(p.biasOffset + 12 * j + 8, int32_t(bias));
      }
    if (p.zeroRow)
      std::fill(constants->begin() + p.zeroRowOffset, constants->end(),
                uint8_t(int8_t(l.inZeroPoint)));
  }
  StepEmitters emit;
  emit.loadWeights = [&](const Step &) {
    e.linearLoad(Mem::Scratchpad, p.spIdentity, addr.constants,
                 uint64_t(p.cb * p.cb));
    if (hasBias)
      e.linearLoad(Mem::Accumulator, p.accBias, addr.constants + p.biasOffset,
                   uint64_t(p.tn * (p.biasInQuant ? 12 : 4)));
    if (p.zeroRow)
      e.linearLoad(Mem::Scratchpad, p.spZeroRow,
                   addr.constants + p.zeroRowOffset, uint64_t(p.Wp * p.tn));
  };
  emit.loadInput = [&](const Step &s) {
    int64_t c0 = s.t * p.tn, n = p.tileChannelsOf(s.t);
    uint64_t sp = p.spIn[s.inSlot];
    if (p.global) {
      e.dmaLoad(Mem::Scratchpad, sp, addr.input + uint64_t(s.b * HW * C + c0),
                HW, n, C, p.tn);
      return;
    }
    auto [first, end] = p.inputRows(s.r);
    uint64_t row = addr.input + uint64_t((s.b * l.inH + first) * l.inW * C);
    if (p.rowDma) {
      e.dmaLoad(Mem::Scratchpad, sp, row, end - first, l.inW * C, l.inW * C,
                p.Wp * C, 0, 0, l.padLeft * C, l.padRight * C, padValue);
      return;
    }
    // One DMA per image row: pixels as DMA rows, the tile's channels as
    // columns, the horizontal padding as padding rows.
    for (int64_t iy = first; iy < end; ++iy)
      e.dmaLoad(Mem::Scratchpad, sp + uint64_t((iy - first) * p.Wp * p.tn),
                addr.input + uint64_t((s.b * l.inH + iy) * l.inW * C + c0),
                l.inW, n, C, p.tn, l.padLeft, l.padRight, 0, 0, padValue);
  };
  emit.compute = [&](const Step &s) {
    int64_t n = p.tileChannelsOf(s.t);
    uint64_t sp = p.spIn[s.inSlot];
    int64_t rowBytes = p.tn * 4;
    for (int64_t j0 = 0; j0 < n; j0 += p.cb) {
      int64_t nb = std::min(p.cb, n - j0);
      e.preload(p.spIdentity, nb, nb, p.cb);
      if (p.global) {
        e.matmul(sp + j0, p.accIn + 4 * j0, 1, p.tn, 0, false);
        if (HW > 1)
          e.matmul(sp + p.tn + j0, p.accIn + 4 * j0, HW - 1, p.tn, 0, true);
        continue;
      }
      auto [first, end] = p.inputRows(s.r);
      if (!p.avg) {
        e.matmul(sp + j0, p.accIn + 4 * j0, (end - first) * p.Wp, p.tn,
                 rowBytes, false);
        continue;
      }
      // Avg: every tap of every output row accumulates OW pixels (stride
      // strideW pixels apart) into the output row.
      for (int64_t oy = 0; oy < p.tileRowsOf(s.r); ++oy) {
        bool firstTap = true;
        uint64_t out = p.accOut + uint64_t(oy * p.OW * rowBytes + 4 * j0);
        for (int64_t ky = 0; ky < l.kernelH; ++ky) {
          int64_t iy = (s.r * p.th + oy) * l.strideH + ky - l.padTop;
          bool real = iy >= first && iy < end;
          if (!real && !p.zeroRow)
            continue; // zero point 0: the padding adds nothing
          uint64_t row =
              real ? sp + uint64_t((iy - first) * p.Wp * p.tn) : p.spZeroRow;
          for (int64_t kx = 0; kx < l.kernelW; ++kx) {
            e.matmul(row + uint64_t(kx * p.tn + j0), out, p.OW,
                     l.strideW * p.tn, rowBytes, !firstTap);
            firstTap = false;
          }
        }
      }
    }
    if (p.avg) {
      if (biasRow)
        e.vec(VecFunc::Add, p.accOut, rowBytes, p.accBias, 0, Mem::Accumulator,
              p.accOut, rowBytes, p.tileRowsOf(s.r) * p.OW, n);
      return;
    }
    if (p.global) {
      if (hasBias)
        e.vec(VecFunc::Add, p.accIn, rowBytes, p.accBias, 0, Mem::Accumulator,
              p.accIn, rowBytes, 1, n);
      return;
    }
    auto [first, end] = p.inputRows(s.r);
    int64_t tapStride = l.strideW * rowBytes;
    for (int64_t oy = 0; oy < p.tileRowsOf(s.r); ++oy) {
      std::vector<uint64_t> taps;
      for (int64_t ky = 0; ky < l.kernelH; ++ky) {
        int64_t iy = (s.r * p.th + oy) * l.strideH + ky - l.padTop;
        if (iy < first || iy >= end)
          continue;
        for (int64_t kx = 0; kx < l.kernelW; ++kx)
          taps.push_back(p.accIn +
                         uint64_t(((iy - first) * p.Wp + kx) * rowBytes));
      }
      uint64_t out = p.accOut + uint64_t(oy * p.OW * rowBytes);
      uint64_t second = taps.size() > 1 ? taps[1] : taps[0];
      e.vec(VecFunc::Max, taps[0], tapStride, second, tapStride,
            Mem::Accumulator, out, rowBytes, p.OW, n);
      for (size_t i = 2; i < taps.size(); ++i)
        e.vec(VecFunc::Max, taps[i], tapStride, out, rowBytes, Mem::Accumulator,
              out, rowBytes, p.OW, n);
    }
  };
  emit.writeOutput = [&](const Step &s) {
    int64_t n = p.tileChannelsOf(s.t);
    int64_t rows = p.global ? 1 : p.tileRowsOf(s.r) * p.OW;
    if (p.biasInQuant)
      e.configQuant(0, 0, l.outZeroPoint, l.clampLo, l.clampHi,
                    /*perChannel=*/true, p.accBias, /*bias=*/true);
    else if (p.global || p.avg)
      e.configQuant(l.multiplier, l.shift, l.outZeroPoint, l.clampLo, l.clampHi,
                    false, 0);
    else
      e.configQuant(kIdentityMultiplier, kIdentityShift, 0, -128, 127, false,
                    0);
    e.vec(VecFunc::Requant, p.accOut, p.tn * 4, 0, 0, Mem::Scratchpad,
          p.spOut[s.outSlot], p.tn, rows, n);
  };
  emit.store = [&](const Step &s) {
    int64_t n = p.tileChannelsOf(s.t), c0 = s.t * p.tn;
    int64_t oy0 = p.global ? 0 : s.r * p.th;
    int64_t rows = p.global ? 1 : p.tileRowsOf(s.r) * p.OW;
    e.dmaStore(Mem::Scratchpad, p.spOut[s.outSlot],
               addr.output + uint64_t((s.b * p.OH + oy0) * p.OW * C + c0), rows,
               n, C, p.tn);
  };
  emitSchedule(p.schedule, e, emit);
}

LayerCost pricePool(const PoolPlan &p, const Emitter &e) {
  LayerCost cost = priceSchedule(p.schedule, e, p.hw);
  cost.macs = 0; // the array moves data; it computes no products
  cost.scratchpadBytes = p.spEnd;
  cost.accumulatorBytes = p.accEnd;
  return cost;
}

} // namespace

llvm::Error PoolLayer::verify() const {
  auto fail = [&](const llvm::Twine &what) {
    return makeError("layer '" + name + "': " + what);
  };
  for (int64_t v :
       {batch, inH, inW, channels, kernelH, kernelW, strideH, strideW})
    if (v < 1)
      return fail("sizes, kernel and strides must be at least 1");
  if (kind != Kind::GlobalSum) {
    for (int64_t pad : {padTop, padLeft, padBottom, padRight})
      if (pad < 0)
        return fail("padding must not be negative");
    if (padTop >= kernelH || padBottom >= kernelH || padLeft >= kernelW ||
        padRight >= kernelW)
      return fail("padding must be smaller than the kernel");
    if (inH + padTop + padBottom < kernelH ||
        inW + padLeft + padRight < kernelW)
      return fail("the kernel is larger than the padded input");
    if (kind == Kind::Max)
      return llvm::Error::success();
  }
  if (shift < 0 || shift > 63)
    return fail("requantize shift " + llvm::Twine(shift) + " outside [0, 63]");
  for (int32_t v : {inZeroPoint, outZeroPoint, clampLo, clampHi})
    if (v < -128 || v > 127)
      return fail("zero points and clamps must be int8");
  if (clampLo > clampHi)
    return fail("clamp_lo exceeds clamp_hi");
  if (kind == Kind::Avg) {
    // The sum of K values of x - zero point, |.| <= 255, and -K*zero_point.
    if (uint64_t(kernelH * kernelW) * 255 > uint64_t(INT32_MAX))
      return fail("the sum over a " + llvm::Twine(kernelH) + "x" +
                  llvm::Twine(kernelW) + " window may overflow int32");
    return llvm::Error::success();
  }
  if (uint64_t(inH * inW) * 255 > uint64_t(INT32_MAX))
    return fail("the sum over " + llvm::Twine(inH * inW) +
                " pixels may overflow int32");
  return llvm::Error::success();
}

std::string PoolTiling::str() const {
  return llvm::formatv("rows={0} ch={1}", tileRows, tileChannels).str();
}

bool PoolTiling::operator==(const PoolTiling &other) const {
  return tileRows == other.tileRows && tileChannels == other.tileChannels;
}

llvm::Error npu::checkPoolTiling(const PoolLayer &layer,
                                 const PoolTiling &tiling,
                                 const HardwareDesc &hw) {
  if (auto e = layer.verify())
    return e;
  PoolPlan p(layer, tiling, hw);
  return buildPoolPlan(p);
}

llvm::Expected<LayerCost> npu::estimatePool(const PoolLayer &layer,
                                            const PoolTiling &tiling,
                                            const HardwareDesc &hw) {
  if (auto e = layer.verify())
    return std::move(e);
  PoolPlan p(layer, tiling, hw);
  if (auto e = buildPoolPlan(p))
    return std::move(e);
  Emitter e(hw, /*keep=*/false);
  emitPoolPlan(p, e, LayerAddresses(), nullptr);
  return pricePool(p, e);
}

std::vector<PoolTiling> npu::enumeratePoolTilings(const PoolLayer &layer,
                                                  const HardwareDesc &hw) {
  std::vector<PoolTiling> result;
  if (auto e = layer.verify()) {
    llvm::consumeError(std::move(e));
    return result;
  }
  int64_t oh = layer.outH(), c = layer.channels;
  int64_t cb = std::min(hw.rows, hw.cols);
  std::vector<int64_t> sizes = getTileSizes(oh);
  std::set<int64_t> rows(sizes.begin(), sizes.end()), channels = {c};
  for (int64_t ch = cb; ch < c; ch *= 2)
    channels.insert(ch);
  for (int64_t ch : channels)
    for (int64_t r : rows) {
      PoolTiling t{r, ch};
      if (llvm::Error e = checkPoolTiling(layer, t, hw))
        llvm::consumeError(std::move(e));
      else
        result.push_back(t);
    }
  return result;
}

llvm::Expected<PoolTiling> npu::choosePoolTiling(const PoolLayer &layer,
                                                 const HardwareDesc &hw,
                                                 LayerCost *cost) {
  if (auto e = layer.verify())
    return std::move(e);
  auto best =
      pickCheapest(enumeratePoolTilings(layer, hw), [&](const PoolTiling &t) {
        return estimatePool(layer, t, hw);
      });
  if (!best) {
    PoolTiling smallest{
        1, std::min<int64_t>(std::min(hw.rows, hw.cols), layer.channels)};
    return noTilingFits(layer.name, checkPoolTiling(layer, smallest, hw));
  }
  if (cost)
    *cost = best->second;
  return best->first;
}

uint64_t npu::getPoolConstantBytes(const PoolLayer &layer,
                                   const PoolTiling &tiling,
                                   const HardwareDesc &hw) {
  PoolPlan p(layer, tiling, hw);
  if (auto e = buildPoolPlan(p)) {
    llvm::consumeError(std::move(e));
    return 0;
  }
  return p.constantBytes;
}

llvm::Expected<LayerCode> npu::emitPool(const PoolLayer &layer,
                                        const PoolTiling &tiling,
                                        const HardwareDesc &hw,
                                        const LayerAddresses &addresses) {
  if (auto e = layer.verify())
    return std::move(e);
  PoolPlan p(layer, tiling, hw);
  if (auto e = buildPoolPlan(p))
    return std::move(e);
  if (auto e = checkDramRanges(layer.name, addresses, layer.inputBytes(),
                               layer.outputBytes(), p.constantBytes))
    return std::move(e);
  return emitLayerCode(
      hw,
      [&](Emitter &e, std::vector<uint8_t> *constants) {
        emitPoolPlan(p, e, addresses, constants);
      },
      [&](const Emitter &e) { return pricePool(p, e); });
}
