//===- EltwiseKernel.cpp - int8 elementwise Add and Lut on the NPU --------===//
//
// Part of Tessera. ISA v2 elementwise layers. A tile is `tileRows` rows of
// the tensor, i.e. E contiguous int8 in DRAM; since the operation is
// elementwise, the kernel sees the tile as a flat run of E elements:
//   - the array moves it into the accumulator as int32 (a preloaded identity
//     block, E / cb rows of cb bytes per matmul, cb = min(R, C));
//   - the vector unit works on it as rows of `width` elements (at most 256),
//     whatever the tensor's own row length;
//   Add  `vec requant` with `config_quant per_channel bias wide` rescales
//        each input to int32 (the per-column triples (M_i, s_i, -z_i)
//        subtract the zero point before the multiplication), `vec add`,
//        then `vec requant` to int8 in the scratchpad;
//   Lut  `vec lut` with the layer's table, loaded once into the scratchpad.
// The steps run through Pipeline.cpp's double-buffered step loop, so the
// cost model is the same emitter in counting mode.
//
//===----------------------------------------------------------------------===//

#include "Pipeline.h"

#include "tessera/Codegen/NPU/Layer.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>

using namespace tessera;
using namespace tessera::npu;
using namespace tessera::npu::kernels;

namespace {

/// Elements per vector-unit row: a multiple of every preset's lanes, and the
/// per-channel parameter tables of Add hold this many entries.
constexpr int64_t kMaxWidth = 256;
constexpr int64_t kTableBytes = 256;
constexpr int64_t kParamBytes = 12; ///< (multiplier, shift, bias) per column

struct EltwisePlan {
  const EltwiseLayer &layer;
  const EltwiseTiling &tiling;
  const HardwareDesc &hw;
  bool add = false;
  int64_t cb = 1, th = 1, rowTiles = 1, width = 1;
  uint64_t tileElems = 0; ///< elements of a full tile
  Schedule schedule;
  uint64_t spIn[2] = {}, spIdentity = 0, spTable = 0, spOut[2] = {};
  uint64_t spEnd = 0;
  uint64_t accA = 0, accB = 0, accParams[2] = {}, accEnd = 0;
  uint64_t paramsOffset = 0, tableOffset = 0, constantBytes = 0;

  EltwisePlan(const EltwiseLayer &layer, const EltwiseTiling &tiling,
              const HardwareDesc &hw)
      : layer(layer), tiling(tiling), hw(hw) {}

  uint64_t elemsOf(int64_t r) const {
    return uint64_t(std::min(th, layer.rows - r * th) * layer.cols);
  }
};

llvm::StringRef getKindName(EltwiseLayer::Kind kind) {
  return kind == EltwiseLayer::Kind::Add ? "Add" : "Lut";
}

/// ISA version 2 is needed by both kinds; the message names the layer.
llvm::Error checkIsaVersion(const EltwiseLayer &l, const HardwareDesc &hw) {
  if (hw.isaVersion >= 2)
    return llvm::Error::success();
  return makeError(
      "layer '" + l.name + "': the elementwise " + getKindName(l.kind) +
      " needs ISA version 2 (" +
      (l.kind == EltwiseLayer::Kind::Add ? "config_quant bias and wide"
                                         : "vec lut") +
      "), but hardware '" + (hw.name.empty() ? "<unnamed>" : hw.name) +
      "' has isa_version " + llvm::Twine(hw.isaVersion));
}

llvm::Error buildEltwisePlan(EltwisePlan &p) {
  const EltwiseLayer &l = p.layer;
  const HardwareDesc &hw = p.hw;
  if (auto e = checkIsaVersion(l, hw))
    return e;
  auto fail = [&](const llvm::Twine &what) {
    return makeError("layer '" + l.name + "' (tiling " + p.tiling.str() +
                     "): " + what);
  };
  p.add = l.kind == EltwiseLayer::Kind::Add;
  p.cb = std::min(hw.rows, hw.cols);
  p.th = p.tiling.tileRows;
  if (p.th < 1 || p.th > l.rows)
    return fail("tile rows must lie in [1, " + llvm::Twine(l.rows) + "]");
  p.rowTiles = ceilDiv(l.rows, p.th);
  p.tileElems = uint64_t(p.th * l.cols);
  p.width = std::min<int64_t>(int64_t(p.tileElems), kMaxWidth);
  p.schedule = makeSchedule(/*batch=*/1, p.rowTiles, /*channelTiles=*/1,
                            /*weightsOuter=*/false,
                            /*inputPerChannelTile=*/false,
                            /*weightsOnce=*/true);
  uint64_t inTileBytes = p.tileElems * (p.add ? 2 : 1);
  uint64_t sp = 0;
  for (unsigned i = 0; i < p.schedule.inSlots; ++i, sp += inTileBytes)
    p.spIn[i] = sp;
  p.spIdentity = sp;
  sp += uint64_t(p.cb * p.cb);
  p.spTable = sp;
  if (!p.add)
    sp += kTableBytes;
  for (unsigned i = 0; i < p.schedule.outSlots; ++i, sp += p.tileElems)
    p.spOut[i] = sp;
  p.spEnd = sp;
  uint64_t acc = 0;
  p.accA = acc;
  acc += p.tileElems * 4;
  p.accB = acc;
  if (p.add) {
    acc += p.tileElems * 4;
    for (uint64_t &params : p.accParams) {
      params = acc;
      acc += uint64_t(p.width * kParamBytes);
    }
  }
  p.accEnd = acc;
  // Constants: the identity block, then Add's two parameter tables (int32,
  // 4-aligned) or Lut's table.
  uint64_t identityBytes = uint64_t(p.cb * p.cb);
  p.paramsOffset = (identityBytes + 3) & ~uint64_t(3);
  p.tableOffset = identityBytes;
  p.constantBytes = p.add ? p.paramsOffset + 2 * uint64_t(p.width * kParamBytes)
                          : p.tableOffset + kTableBytes;
  if (p.spEnd > hw.scratchpadBytes)
    return fail(llvm::formatv("needs {0} bytes of scratchpad ({1} input tile "
                              "x{2}, {3} output tile x{4}); the hardware has "
                              "{5}",
                              p.spEnd, inTileBytes, p.schedule.inSlots,
                              p.tileElems, p.schedule.outSlots,
                              hw.scratchpadBytes)
                    .str());
  if (p.accEnd > hw.accumulatorBytes)
    return fail(llvm::formatv("needs {0} bytes of accumulator ({1} int32 "
                              "tile{2}); the hardware has {3}",
                              p.accEnd, p.tileElems, p.add ? "s x2" : "",
                              hw.accumulatorBytes)
                    .str());
  return llvm::Error::success();
}

void put32(std::vector<uint8_t> &bytes, uint64_t at, int32_t value) {
  for (int i = 0; i < 4; ++i)
    bytes[at + i] = uint8_t(uint32_t(value) >> (8 * i));
}

void emitEltwisePlan(const EltwisePlan &p, Emitter &e,
                     const LayerAddresses &addr,
                     std::vector<uint8_t> *constants) {
  const EltwiseLayer &l = p.layer;
  if (constants) {
    constants->assign(p.constantBytes, 0);
    for (int64_t i = 0; i < p.cb; ++i)
      (*constants)[i * p.cb + i] = 1;
    if (p.add) {
      int32_t multipliers[2] = {l.inMultiplier, l.in2Multiplier};
      int32_t shifts[2] = {l.inShift, l.in2Shift};
      int32_t zeroPoints[2] = {l.inZeroPoint, l.in2ZeroPoint};
      for (int t = 0; t < 2; ++t)
        for (int64_t c = 0; c < p.width; ++c) {
          uint64_t at =
              p.paramsOffset + uint64_t((t * p.width + c) * kParamBytes);
          put32(*constants, at, multipliers[t]);
          put32(*constants, at + 4, shifts[t]);
          put32(*constants, at + 8, -zeroPoints[t]);
        }
    } else {
      for (int64_t i = 0; i < kTableBytes; ++i)
        (*constants)[p.tableOffset + i] = uint8_t(l.table[i]);
    }
  }
  // `func` over `elems` int32 at `src` as rows of `width` (and one shorter
  // row for the rest); every part keeps the same strides.
  auto vecPass = [&](VecFunc func, uint64_t src, uint64_t src2, Mem dstMem,
                     uint64_t dst, uint64_t elems) {
    int64_t w = p.width, rows = int64_t(elems) / w, rest = int64_t(elems) % w;
    int64_t dstElem = dstMem == Mem::Accumulator ? 4 : 1;
    // A lut's src2 is its table: no stride, whatever part a split makes.
    bool lut = func == VecFunc::Lut;
    int64_t src2Stride = lut ? 0 : w * 4;
    if (rows)
      e.vec(func, src, w * 4, src2, src2Stride, dstMem, dst, w * dstElem, rows,
            w);
    if (rest)
      e.vec(func, src + uint64_t(rows * w * 4), w * 4,
            lut ? src2 : src2 + uint64_t(rows * w * 4), src2Stride, dstMem,
            dst + uint64_t(rows * w * dstElem), w * dstElem, 1, rest);
  };
  // The identity moves `elems` int8 from each source to its int32 run.
  auto transfer = [&](llvm::ArrayRef<std::pair<uint64_t, uint64_t>> runs,
                      uint64_t elems) {
    int64_t cb = p.cb, full = int64_t(elems) / cb, rest = int64_t(elems) % cb;
    if (full) {
      e.preload(p.spIdentity, cb, cb, cb);
      for (auto [sp, acc] : runs)
        e.matmul(sp, acc, full, cb, cb * 4, false);
    }
    if (rest) {
      e.preload(p.spIdentity, rest, rest, cb);
      for (auto [sp, acc] : runs)
        e.matmul(sp + uint64_t(full * cb), acc + uint64_t(full * cb * 4), 1, cb,
                 cb * 4, false);
    }
  };

  StepEmitters emit;
  emit.loadWeights = [&](const Step &) {
    e.linearLoad(Mem::Scratchpad, p.spIdentity, addr.constants,
                 uint64_t(p.cb * p.cb));
    if (p.add)
      e.linearLoad(Mem::Accumulator, p.accParams[0],
                   addr.constants + p.paramsOffset,
                   2 * uint64_t(p.width * kParamBytes));
    else
      e.linearLoad(Mem::Scratchpad, p.spTable, addr.constants + p.tableOffset,
                   kTableBytes);
  };
  emit.loadInput = [&](const Step &s) {
    int64_t rows = std::min(p.th, l.rows - s.r * p.th);
    uint64_t offset = uint64_t(s.r * p.th * l.cols);
    uint64_t sp = p.spIn[s.inSlot];
    e.dmaLoad(Mem::Scratchpad, sp, addr.input + offset, rows, l.cols, l.cols,
              l.cols);
    if (p.add)
      e.dmaLoad(Mem::Scratchpad, sp + p.tileElems, addr.input2 + offset, rows,
                l.cols, l.cols, l.cols);
  };
  emit.compute = [&](const Step &s) {
    uint64_t elems = p.elemsOf(s.r), sp = p.spIn[s.inSlot];
    if (!p.add) {
      transfer({{sp, p.accA}}, elems);
      return;
    }
    transfer({{sp, p.accA}, {sp + p.tileElems, p.accB}}, elems);
    for (int t = 0; t < 2; ++t) {
      uint64_t acc = t == 0 ? p.accA : p.accB;
      e.configQuant(0, 0, 0, -128, 127, /*perChannel=*/true, p.accParams[t],
                    /*bias=*/true, /*wide=*/true);
      vecPass(VecFunc::Requant, acc, 0, Mem::Accumulator, acc, elems);
    }
    vecPass(VecFunc::Add, p.accA, p.accB, Mem::Accumulator, p.accA, elems);
  };
  emit.writeOutput = [&](const Step &s) {
    uint64_t elems = p.elemsOf(s.r);
    if (!p.add) {
      vecPass(VecFunc::Lut, p.accA, p.spTable, Mem::Scratchpad,
              p.spOut[s.outSlot], elems);
      return;
    }
    e.configQuant(l.multiplier, l.shift, l.outZeroPoint, l.clampLo, l.clampHi,
                  false, 0);
    vecPass(VecFunc::Requant, p.accA, 0, Mem::Scratchpad, p.spOut[s.outSlot],
            elems);
  };
  emit.store = [&](const Step &s) {
    int64_t rows = std::min(p.th, l.rows - s.r * p.th);
    e.dmaStore(Mem::Scratchpad, p.spOut[s.outSlot],
               addr.output + uint64_t(s.r * p.th * l.cols), rows, l.cols,
               l.cols, l.cols);
  };
  emitSchedule(p.schedule, e, emit);
}

LayerCost priceEltwise(const EltwisePlan &p, const Emitter &e) {
  LayerCost cost = priceSchedule(p.schedule, e, p.hw);
  cost.macs = 0; // the array moves data; it computes no products
  cost.scratchpadBytes = p.spEnd;
  cost.accumulatorBytes = p.accEnd;
  return cost;
}

} // namespace

llvm::Error EltwiseLayer::verify() const {
  auto fail = [&](const llvm::Twine &what) {
    return makeError("layer '" + name + "': " + what);
  };
  if (rows < 1 || cols < 1)
    return fail("rows and cols must be at least 1");
  if (kind == Kind::Lut) {
    if (table.size() != size_t(kTableBytes))
      return fail("the Lut table has " + llvm::Twine(table.size()) +
                  " entries, it needs 256 (one per int8 input)");
    return llvm::Error::success();
  }
  if (!table.empty())
    return fail("an Add has no table (it has " + llvm::Twine(table.size()) +
                " entries)");
  for (int32_t s : {inShift, in2Shift, shift})
    if (s < 0 || s > 63)
      return fail("requantize shift " + llvm::Twine(s) + " outside [0, 63]");
  for (int32_t v : {inZeroPoint, in2ZeroPoint, outZeroPoint, clampLo, clampHi})
    if (v < -128 || v > 127)
      return fail("zero points and clamps must be int8");
  if (clampLo > clampHi)
    return fail("clamp_lo exceeds clamp_hi");
  return llvm::Error::success();
}

std::string EltwiseTiling::str() const {
  return llvm::formatv("rows={0}", tileRows).str();
}

bool EltwiseTiling::operator==(const EltwiseTiling &other) const {
  return tileRows == other.tileRows;
}

llvm::Error npu::checkEltwiseTiling(const EltwiseLayer &layer,
                                    const EltwiseTiling &tiling,
                                    const HardwareDesc &hw) {
  if (auto e = layer.verify())
    return e;
  EltwisePlan p(layer, tiling, hw);
  return buildEltwisePlan(p);
}

llvm::Expected<LayerCost> npu::estimateEltwise(const EltwiseLayer &layer,
                                               const EltwiseTiling &tiling,
                                               const HardwareDesc &hw) {
  if (auto e = layer.verify())
    return std::move(e);
  EltwisePlan p(layer, tiling, hw);
  if (auto e = buildEltwisePlan(p))
    return std::move(e);
  Emitter e(hw, /*keep=*/false);
  emitEltwisePlan(p, e, LayerAddresses(), nullptr);
  return priceEltwise(p, e);
}

std::vector<EltwiseTiling>
npu::enumerateEltwiseTilings(const EltwiseLayer &layer,
                             const HardwareDesc &hw) {
  std::vector<EltwiseTiling> result;
  if (auto e = layer.verify()) {
    llvm::consumeError(std::move(e));
    return result;
  }
  for (int64_t rows : getTileSizes(layer.rows)) {
    EltwiseTiling t{rows};
    if (llvm::Error e = checkEltwiseTiling(layer, t, hw))
      llvm::consumeError(std::move(e));
    else
      result.push_back(t);
  }
  return result;
}

llvm::Expected<EltwiseTiling>
npu::chooseEltwiseTiling(const EltwiseLayer &layer, const HardwareDesc &hw,
                         LayerCost *cost) {
  if (auto e = layer.verify())
    return std::move(e);
  if (auto e = checkIsaVersion(layer, hw))
    return std::move(e);
  auto best = pickCheapest(
      enumerateEltwiseTilings(layer, hw),
      [&](const EltwiseTiling &t) { return estimateEltwise(layer, t, hw); });
  if (!best)
    return noTilingFits(layer.name,
                        checkEltwiseTiling(layer, EltwiseTiling{1}, hw));
  if (cost)
    *cost = best->second;
  return best->first;
}

uint64_t npu::getEltwiseConstantBytes(const EltwiseLayer &layer,
                                      const EltwiseTiling &tiling,
                                      const HardwareDesc &hw) {
  EltwisePlan p(layer, tiling, hw);
  if (auto e = buildEltwisePlan(p)) {
    llvm::consumeError(std::move(e));
    return 0;
  }
  return p.constantBytes;
}

llvm::Expected<LayerCode> npu::emitEltwise(const EltwiseLayer &layer,
                                           const EltwiseTiling &tiling,
                                           const HardwareDesc &hw,
                                           const LayerAddresses &addresses) {
  if (auto e = layer.verify())
    return std::move(e);
  EltwisePlan p(layer, tiling, hw);
  if (auto e = buildEltwisePlan(p))
    return std::move(e);
  if (auto e = checkDramRanges(layer.name, addresses, layer.elements(),
                               layer.outputBytes(), p.constantBytes))
    return std::move(e);
  if (p.add) {
    LayerAddresses second = addresses;
    second.input = addresses.input2;
    if (auto e = checkDramRanges(layer.name, second, layer.elements(),
                                 layer.outputBytes(), p.constantBytes))
      return std::move(e);
  }
  return emitLayerCode(
      hw,
      [&](Emitter &e, std::vector<uint8_t> *constants) {
        emitEltwisePlan(p, e, addresses, constants);
      },
      [&](const Emitter &e) { return priceEltwise(p, e); });
}
