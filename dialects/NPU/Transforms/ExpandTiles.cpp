//===- ExpandTiles.cpp - macro tile ops to instructions -------------------===//
//
// Part of Tessera. Implements `tessera-npu-expand-tiles`: npu.tile_matmul and
// npu.tile_conv become preload/matmul blocks sized to the array plus the
// vector-unit epilogue.
//
//===----------------------------------------------------------------------===//

#include "NPU/NPUPasses.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>

namespace tessera {
#define GEN_PASS_DEF_NPUEXPANDTILES
#include "NPU/NPUPasses.h.inc"
} // namespace tessera

using namespace mlir;
using namespace tessera::npu;

namespace {

/// Largest value of field `name` of `op` in the ISA table.
int64_t getFieldMax(Opcode op, StringRef name) {
  for (const FieldInfo &field : getFields(op))
    if (field.name == name)
      return fieldMax(field);
  return 0;
}

/// Emits instructions in order at the builder's insertion point and keeps
/// them, so the dependency flags can go to the first and last one and
/// everything can be checked (or undone) at the end.
class Emitter {
public:
  Emitter(OpBuilder &builder, Location loc) : builder(builder), loc(loc) {}

  void emit(const Inst &inst) {
    ops.push_back(createInstOp(builder, loc, inst));
  }

  void preload(int64_t spAddr, int64_t k, int64_t n, int64_t spStride) {
    Inst inst;
    inst.op = Opcode::Preload;
    inst.sp_addr = spAddr;
    inst.k = k;
    inst.n = n;
    inst.sp_stride = spStride;
    emit(inst);
  }

  /// One matmul per at most `m` field max rows.
  void matmul(int64_t spAddr, int64_t accAddr, int64_t m, int64_t spStride,
              int64_t accStride, bool accumulate) {
    int64_t maxRows = getFieldMax(Opcode::Matmul, "m");
    for (int64_t m0 = 0; m0 < m; m0 += maxRows) {
      Inst inst;
      inst.op = Opcode::Matmul;
      inst.sp_addr = spAddr + m0 * spStride;
      inst.acc_addr = accAddr + m0 * accStride;
      inst.m = std::min(maxRows, m - m0);
      inst.sp_stride = spStride;
      inst.acc_stride = accStride;
      inst.accumulate = accumulate;
      emit(inst);
    }
  }

  void configExec(int64_t srcStride, int64_t dstStride) {
    Inst inst;
    inst.op = Opcode::ConfigExec;
    inst.src_stride = srcStride;
    inst.dst_stride = dstStride;
    emit(inst);
  }

  /// `func` over rows x cols accumulator elements, blocked by the field
  /// limits of vec (strides as configured by the caller).
  void vec(VecFunc func, int64_t src, int64_t srcStride, Mem dstMem,
           int64_t dst, int64_t dstStride, int64_t rows, int64_t cols) {
    int64_t maxRows = getFieldMax(Opcode::Vec, "rows");
    int64_t maxCols = getFieldMax(Opcode::Vec, "cols");
    int64_t dstElem = dstMem == Mem::Scratchpad ? 1 : 4;
    for (int64_t r0 = 0; r0 < rows; r0 += maxRows)
      for (int64_t c0 = 0; c0 < cols; c0 += maxCols) {
        Inst inst;
        inst.op = Opcode::Vec;
        inst.func = static_cast<int64_t>(func);
        inst.src_addr = src + r0 * srcStride + 4 * c0;
        inst.dst_mem = static_cast<int64_t>(dstMem);
        inst.dst_addr = dst + r0 * dstStride + dstElem * c0;
        inst.rows = std::min(maxRows, rows - r0);
        inst.cols = std::min(maxCols, cols - c0);
        emit(inst);
      }
  }

  /// Puts the tile's pops on the first and its pushes on the last
  /// instruction, then verifies every instruction (field widths, hardware);
  /// on failure erases them all.
  LogicalResult finish(Operation *tile) {
    if (ops.empty())
      return tile->emitOpError() << "expands to no instructions";
    for (StringRef flag : {"pop_prev", "pop_next"})
      if (tile->hasAttr(flag))
        ops.front()->setAttr(flag, builder.getUnitAttr());
    for (StringRef flag : {"push_prev", "push_next"})
      if (tile->hasAttr(flag))
        ops.back()->setAttr(flag, builder.getUnitAttr());
    for (InstOpInterface op : ops) {
      if (succeeded(verifyInstOp(op)))
        continue;
      for (InstOpInterface created : llvm::reverse(ops))
        created->erase();
      ops.clear();
      return failure();
    }
    return success();
  }

private:
  OpBuilder &builder;
  Location loc;
  SmallVector<InstOpInterface> ops;
};

/// The requantize/ReLU epilogue over `rows` output rows of `cols` int32 at
/// c (row stride cStride).
template <typename TileOp>
void emitEpilogue(Emitter &emitter, TileOp op, int64_t rows, int64_t cols) {
  int64_t c = op.getCAddr(), cStride = op.getCStride();
  bool requant = op.getMultiplier().has_value();
  bool relu = op.getRelu();
  int64_t clampLo = requant ? *op.getClampLo() : 0;
  // requantize is monotone for a non-negative multiplier, so
  // requant(relu(x)) = max(requant(x), requant(0)) = clamp to a raised lower
  // bound: the ReLU costs nothing.
  if (relu && requant && *op.getMultiplier() >= 0) {
    clampLo = std::max(clampLo, std::min(*op.getZeroPoint(), *op.getClampHi()));
    relu = false;
  }
  if (relu) {
    emitter.configExec(cStride, cStride);
    emitter.vec(VecFunc::Relu, c, cStride, Mem::Accumulator, c, cStride, rows,
                cols);
  }
  if (!requant)
    return;
  int64_t outStride = *op.getOutStride();
  emitter.configExec(cStride, outStride);
  Inst quant;
  quant.op = Opcode::ConfigQuant;
  quant.multiplier = *op.getMultiplier();
  quant.shift = *op.getShift();
  quant.zero_point = *op.getZeroPoint();
  quant.clamp_lo = clampLo;
  quant.clamp_hi = *op.getClampHi();
  emitter.emit(quant);
  emitter.vec(VecFunc::Requant, c, cStride, Mem::Scratchpad, *op.getOutAddr(),
              outStride, rows, cols);
}

LogicalResult expandMatmul(TileMatmulOp op, HardwareAttr hw) {
  OpBuilder builder(op);
  Emitter emitter(builder, op.getLoc());
  int64_t rowsR = hw.getRows(), colsC = hw.getCols();
  int64_t m = op.getM(), k = op.getK(), n = op.getN();
  for (int64_t n0 = 0; n0 < n; n0 += colsC) {
    int64_t nb = std::min(colsC, n - n0);
    for (int64_t k0 = 0; k0 < k; k0 += rowsR) {
      emitter.preload(op.getBAddr() + k0 * op.getBStride() + n0,
                      std::min(rowsR, k - k0), nb, op.getBStride());
      emitter.matmul(op.getAAddr() + k0, op.getCAddr() + 4 * n0, m,
                     op.getAStride(), op.getCStride(),
                     k0 > 0 || op.getAccumulate());
    }
  }
  emitEpilogue(emitter, op, m, n);
  return emitter.finish(op);
}

LogicalResult expandConv(TileConvOp op, HardwareAttr hw) {
  OpBuilder builder(op);
  Emitter emitter(builder, op.getLoc());
  int64_t rowsR = hw.getRows(), colsC = hw.getCols();
  int64_t cin = op.getInChannels(), cout = op.getOutChannels();
  int64_t kh = op.getKernelH(), kw = op.getKernelW();
  int64_t sh = op.getStrideH(), sw = op.getStrideW();
  int64_t oh = op.getOutH(), ow = op.getOutW();
  int64_t inStride = op.getInRowStride(), cStride = op.getCStride();
  // Output pixel p = oy*OW + ox reads input address
  // base + (oy*SH)*inStride + ox*SW*Cin; when SH*inStride = OW*SW*Cin that is
  // base + p*SW*Cin, so all output rows stream through one matmul.
  bool contiguous = sh * inStride == ow * sw * cin;
  for (int64_t n0 = 0; n0 < cout; n0 += colsC) {
    int64_t nb = std::min(colsC, cout - n0);
    for (int64_t ky = 0; ky < kh; ++ky)
      for (int64_t kx = 0; kx < kw; ++kx)
        for (int64_t c0 = 0; c0 < cin; c0 += rowsR) {
          emitter.preload(op.getWAddr() +
                              ((ky * kw + kx) * cin + c0) * op.getWStride() +
                              n0,
                          std::min(rowsR, cin - c0), nb, op.getWStride());
          bool accumulate = ky > 0 || kx > 0 || c0 > 0 || op.getAccumulate();
          int64_t tap = op.getInAddr() + ky * inStride + kx * cin + c0;
          int64_t acc = op.getCAddr() + 4 * n0;
          if (contiguous) {
            emitter.matmul(tap, acc, oh * ow, sw * cin, cStride, accumulate);
            continue;
          }
          for (int64_t oy = 0; oy < oh; ++oy)
            emitter.matmul(tap + oy * sh * inStride, acc + oy * ow * cStride,
                           ow, sw * cin, cStride, accumulate);
        }
  }
  emitEpilogue(emitter, op, oh * ow, cout);
  return emitter.finish(op);
}

struct NPUExpandTilesPass
    : tessera::impl::NPUExpandTilesBase<NPUExpandTilesPass> {
  void runOnOperation() override {
    SmallVector<Operation *> tiles;
    getOperation().walk([&](Operation *op) {
      if (isa<TileMatmulOp, TileConvOp>(op))
        tiles.push_back(op);
    });
    bool failedAny = false;
    for (Operation *tile : tiles) {
      HardwareAttr hw = lookupHardware(tile);
      if (!hw) {
        tile->emitOpError() << "needs the module's npu.hardware attribute to "
                               "be expanded (tessera-npu-attach-hw)";
        failedAny = true;
        continue;
      }
      if (failed(expandTileOp(tile, hw))) {
        failedAny = true;
        continue;
      }
      tile->erase();
    }
    if (failedAny)
      signalPassFailure();
  }
};

} // namespace

LogicalResult tessera::npu::expandTileOp(Operation *op, HardwareAttr hw) {
  if (auto matmul = dyn_cast<TileMatmulOp>(op))
    return expandMatmul(matmul, hw);
  if (auto conv = dyn_cast<TileConvOp>(op))
    return expandConv(conv, hw);
  return op->emitOpError() << "is not an npu tile op";
}
