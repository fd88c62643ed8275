//===- Layer.h - NPU layers: cost model, tiling and code -------*- C++ -*-===//
//
// Part of Tessera. The NPU compiler's kernel library, free of MLIR so that
// the co-design explorer can ask it about any layer, tiling and hardware
// point without compiling a model (docs/npu/compiler.md):
//
//   ConvLayer      an int8 convolution or matrix product with its int32 bias
//                  and requantize epilogue, in the NPU's layouts (NHWC
//                  activations in DRAM, weights packed at compile time);
//   ConvTiling     one way to run it: output tile, loop order, streaming;
//   estimateConv   the cost model: cycles of each queue and of the overlapped
//                  schedule, DRAM bytes, SRAM footprints, energy, the bound;
//   chooseConvTiling  the tiling with the fewest predicted cycles;
//   emitConv       the instructions and the packed constants of the layer,
//                  with static scratchpad/accumulator allocation, double
//                  buffering and dependency tokens.
//
// The cost model and the emitter share one loop nest: estimateConv runs the
// emitter in counting mode and prices every instruction with the
// simulator's per-instruction rules (tessera/Sim/CostModel.h), so only the
// overlap of the three queues is modelled rather than counted.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_NPU_LAYER_H
#define TESSERA_CODEGEN_NPU_LAYER_H

#include "tessera/NPU/Hardware.h"
#include "tessera/NPU/ISA.h"
#include "tessera/Sim/CostModel.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tessera::npu {

/// An int8 convolution (grouped and depthwise included) or matrix product
/// with constant weights, int32 bias and a requantize epilogue:
///
///   acc[b][oy][ox][o] = bias[o] + sum_{ky,kx,c} (x[b][iy][ix][c] - inZP)
///                                              * w[ky][kx][c - g*cg][o]
///   y[b][oy][ox][o]   = requantize(acc, multiplier[o], shift[o], outZP,
///                                  clampLo, clampHi)          (Numerics.h)
///
/// with iy = oy*strideH + ky - padTop, ix = ox*strideW + kx - padLeft, g the
/// group of output channel o and cg = inC / groups; input pixels outside the
/// image are inZP (they contribute 0). x is NHWC int8 [batch][inH][inW][inC]
/// and y NHWC int8 [batch][outH][outW][outC], both dense in DRAM. A matrix
/// product A[M][K] * B[K][N] is the 1x1 convolution with batch = 1, inH = 1,
/// inW = M, inC = K, outC = N.
struct ConvLayer {
  std::string name; ///< the ONNX node name(s), for reports
  int64_t batch = 1, inH = 1, inW = 1, inC = 1, outC = 1;
  int64_t kernelH = 1, kernelW = 1, strideH = 1, strideW = 1;
  int64_t padTop = 0, padLeft = 0, padBottom = 0, padRight = 0;
  int64_t groups = 1;
  int32_t inZeroPoint = 0;
  /// [kernelH][kernelW][inC / groups][outC], int8 (HWIO per group). May be
  /// empty for the cost model and the tiling search, which depend only on
  /// the shapes (zero weight blocks are the groups' structural ones);
  /// emitConv needs them.
  std::vector<int8_t> weights;
  /// [outC] int32, or empty for none. The input zero point's correction
  /// (-inZP * sum of the weights of o) is added by the emitter.
  std::vector<int32_t> bias;
  /// [outC] or [1]: the requantize parameters (multiplier >= 0 not needed).
  std::vector<int32_t> multiplier, shift;
  int32_t outZeroPoint = 0, clampLo = -128, clampHi = 127;
  /// Empty, or 256 int8 entries: a one-input activation after the
  /// requantize, y = table[q + 128] (ISA v2 `vec lut`; needs
  /// HardwareDesc::isaVersion >= 2).
  std::vector<int8_t> table;

  int64_t outH() const {
    return (inH + padTop + padBottom - kernelH) / strideH + 1;
  }
  int64_t outW() const {
    return (inW + padLeft + padRight - kernelW) / strideW + 1;
  }
  /// Useful multiply-accumulates (groups counted as such).
  uint64_t macs() const;
  /// Input and output bytes (int8 NHWC).
  uint64_t inputBytes() const { return uint64_t(batch * inH * inW * inC); }
  uint64_t outputBytes() const {
    return uint64_t(batch * outH() * outW() * outC);
  }
  /// Checks shapes, sizes of the vectors and parameter ranges; the message
  /// names the layer and the violated constraint.
  llvm::Error verify() const;
};

/// How one ConvLayer runs on the array.
struct ConvTiling {
  /// Output rows (of one image) per tile, >= 1.
  int64_t tileRows = 1;
  /// Output channels per tile: a multiple of the array's columns, or outC.
  int64_t tileChannels = 1;
  enum class Order : uint8_t {
    /// for channel tiles { weights; for row tiles { input; compute } }:
    /// the input is read once per channel tile.
    WeightsOuter,
    /// for row tiles { input; for channel tiles { weights; compute } }: the
    /// weights are read once per row tile (once in all with one channel
    /// tile).
    InputsOuter,
  } order = Order::WeightsOuter;
  /// Stream a whole tile through one matmul per weight block, computing the
  /// padding columns of every row as well (discarded at the store), instead
  /// of one matmul per output row. Needs strideH * paddedWidth divisible by
  /// strideW.
  bool flat = false;
  /// Kernel rows per weight fill: 0 for all of them; otherwise the
  /// reduction is split into fills of this many kernel rows, accumulated in
  /// the accumulator tile before the epilogue (so the weights of a layer
  /// with many input channels fit twice next to a tall input tile).
  int64_t kernelRowsPerFill = 0;
  /// The array's depthwise mode (ISA v2 `config_taps` + `matmul
  /// depthwise`): only for groups == inC == outC; each column reads its own
  /// channel, the kernel's taps are the reduction rows.
  bool depthwise = false;

  /// "rows=4 ch=64 weights-outer flat" (+ " krows=1", " dw").
  std::string str() const;
  bool operator==(const ConvTiling &other) const;
};

/// What limits a layer's predicted time.
enum class Bound : uint8_t {
  Compute, ///< the execute queue (array, vector unit) is the busiest
  Dram,    ///< the load or store queue (DMA, DRAM bandwidth/latency)
  Issue,   ///< none is: dependency waits and pipeline fill dominate
};
llvm::StringRef getBoundName(Bound bound); ///< compute, dram, issue

/// The cost model's prediction for one layer and tiling.
struct LayerCost {
  uint64_t cycles = 0; ///< predicted, the three queues overlapped
  /// Busy cycles of each queue (exact sums of per-instruction costs).
  uint64_t loadCycles = 0, executeCycles = 0, storeCycles = 0;
  uint64_t instructions = 0;
  uint64_t macs = 0; ///< useful MACs
  uint64_t dramRead = 0, dramWritten = 0;
  /// Peak bytes of each SRAM the tiling allocates.
  uint64_t scratchpadBytes = 0, accumulatorBytes = 0;
  sim::Energy energy; ///< picojoules, leakage over `cycles`
  Bound bound = Bound::Compute;
  /// macs / (cycles * rows * cols).
  double utilization(const HardwareDesc &hw) const;
};

/// Whether `tiling` fits `hw` (SRAM capacities, ISA field limits); the
/// message names the layer, the constraint and both sizes.
llvm::Error checkConvTiling(const ConvLayer &layer, const ConvTiling &tiling,
                            const HardwareDesc &hw);

/// The cost of running `layer` with `tiling` on `hw` (checkConvTiling first).
llvm::Expected<LayerCost> estimateConv(const ConvLayer &layer,
                                       const ConvTiling &tiling,
                                       const HardwareDesc &hw);

/// Every tiling the search considers for `layer` on `hw` that fits.
std::vector<ConvTiling> enumerateConvTilings(const ConvLayer &layer,
                                             const HardwareDesc &hw);

/// The fitting tiling with the fewest predicted cycles (ties: fewer DRAM
/// bytes). Fails when none fits, naming the layer and the smallest
/// footprint against the SRAM it exceeds.
llvm::Expected<ConvTiling> chooseConvTiling(const ConvLayer &layer,
                                            const HardwareDesc &hw,
                                            LayerCost *cost = nullptr);

/// The baseline the search is measured against: Gemmini's `tiled_conv_auto`
/// policy on this hardware. Start from the whole layer (every output row and
/// channel) and, while the double-buffered tiles do not fit the SRAMs,
/// shrink the larger of the two by one step (a row, or the array's columns
/// of channels); loop order inputs-outer (Gemmini's output-tile-outer nest),
/// one matmul per output row. Costs are never compared.
llvm::Expected<ConvTiling> greedyConvTiling(const ConvLayer &layer,
                                            const HardwareDesc &hw);

/// Where a layer's tensors live in DRAM.
struct LayerAddresses {
  uint64_t input = 0, output = 0;
  /// The second input of a two-input layer (EltwiseLayer::Kind::Add).
  uint64_t input2 = 0;
  /// Start of the layer's constants (getConvConstantBytes bytes).
  uint64_t constants = 0;
};

/// Bytes of the packed constants emitConv writes for `layer` and `tiling`.
uint64_t getConvConstantBytes(const ConvLayer &layer, const ConvTiling &tiling,
                              const HardwareDesc &hw);

/// The instructions of one layer, self-contained: every dependency token it
/// pushes is popped within it and it ends with the queues drained (a fence),
/// so layers can be concatenated. `constants` is the DRAM image to place at
/// LayerAddresses::constants.
struct LayerCode {
  std::vector<Inst> insts;
  std::vector<uint8_t> constants;
  LayerCost cost; ///< the cost model's prediction for the same code
};

/// Generates `layer` with `tiling` (checkConvTiling first).
llvm::Expected<LayerCode> emitConv(const ConvLayer &layer,
                                   const ConvTiling &tiling,
                                   const HardwareDesc &hw,
                                   const LayerAddresses &addresses);

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

/// Int8 pooling of an NHWC tensor [batch][inH][inW][channels]:
///   Max        y = max over the window of x (padding never wins), the same
///              scale and zero point (what tessera-quantize produces);
///   GlobalSum  y[b][0][0][c] = requantize(sum_{h,w} (x - inZeroPoint),
///              multiplier, shift, outZeroPoint, clampLo, clampHi): the
///              quantized GlobalAveragePool (its 1/(H*W) is in the scale);
///   Avg        y = requantize(sum over the window of (x - inZeroPoint),
///              multiplier, shift, outZeroPoint, clampLo, clampHi), padding
///              contributing 0: the quantized AveragePool with
///              count_include_pad = 1 (its 1/(kernelH*kernelW) is in the
///              scale).
/// The array moves int8 into the accumulator (an identity weight block) and
/// the vector unit takes the maxima; GlobalSum accumulates every pixel into
/// one accumulator row (matmul with acc_stride 0).
struct PoolLayer {
  enum class Kind : uint8_t { Max, GlobalSum, Avg } kind = Kind::Max;
  std::string name;
  int64_t batch = 1, inH = 1, inW = 1, channels = 1;
  /// Max and Avg.
  int64_t kernelH = 1, kernelW = 1, strideH = 1, strideW = 1;
  int64_t padTop = 0, padLeft = 0, padBottom = 0, padRight = 0;
  /// GlobalSum and Avg (per tensor).
  int32_t inZeroPoint = 0, multiplier = 0, shift = 0, outZeroPoint = 0;
  int32_t clampLo = -128, clampHi = 127;

  int64_t outH() const {
    return kind == Kind::GlobalSum
               ? 1
               : (inH + padTop + padBottom - kernelH) / strideH + 1;
  }
  int64_t outW() const {
    return kind == Kind::GlobalSum
               ? 1
               : (inW + padLeft + padRight - kernelW) / strideW + 1;
  }
  uint64_t inputBytes() const { return uint64_t(batch * inH * inW * channels); }
  uint64_t outputBytes() const {
    return uint64_t(batch * outH() * outW() * channels);
  }
  llvm::Error verify() const;
};

/// Output rows per tile (Max; GlobalSum takes whole images) and channels per
/// tile (a multiple of min(rows, cols) of the array, or all).
struct PoolTiling {
  int64_t tileRows = 1;
  int64_t tileChannels = 1;
  std::string str() const; ///< "rows=4 ch=64"
  bool operator==(const PoolTiling &other) const;
};

llvm::Error checkPoolTiling(const PoolLayer &layer, const PoolTiling &tiling,
                            const HardwareDesc &hw);
llvm::Expected<LayerCost> estimatePool(const PoolLayer &layer,
                                       const PoolTiling &tiling,
                                       const HardwareDesc &hw);
std::vector<PoolTiling> enumeratePoolTilings(const PoolLayer &layer,
                                             const HardwareDesc &hw);
llvm::Expected<PoolTiling> choosePoolTiling(const PoolLayer &layer,
                                            const HardwareDesc &hw,
                                            LayerCost *cost = nullptr);
uint64_t getPoolConstantBytes(const PoolLayer &layer, const PoolTiling &tiling,
                              const HardwareDesc &hw);
llvm::Expected<LayerCode> emitPool(const PoolLayer &layer,
                                   const PoolTiling &tiling,
                                   const HardwareDesc &hw,
                                   const LayerAddresses &addresses);

//===----------------------------------------------------------------------===//
// Elementwise layers (ISA v2)
//===----------------------------------------------------------------------===//

/// An elementwise int8 layer over a tensor seen as `rows` x `cols` int8,
/// dense and row-major in DRAM (any layout: the op is elementwise; an NHWC
/// tensor is rows = batch*H*W, cols = C):
///   Add  the integer residual Add of docs/npu/numerics.md,
///          r1 = requantize32(x  - inZeroPoint,  inMultiplier,  inShift)
///          r2 = requantize32(x2 - in2ZeroPoint, in2Multiplier, in2Shift)
///          y  = requantize(r1 + r2, multiplier, shift, outZeroPoint,
///                          clampLo, clampHi)
///        where requantize32 is the requantize of Numerics.h with zero
///        point 0 saturated to int32 (`config_quant wide`);
///   Lut  y = table[x + 128], a one-input activation (`vec lut`).
/// Both need HardwareDesc::isaVersion >= 2.
struct EltwiseLayer {
  enum class Kind : uint8_t { Add, Lut } kind = Kind::Add;
  std::string name;
  int64_t rows = 1, cols = 1;
  /// Add only.
  int32_t inZeroPoint = 0, inMultiplier = 0, inShift = 0;
  int32_t in2ZeroPoint = 0, in2Multiplier = 0, in2Shift = 0;
  int32_t multiplier = 0, shift = 0, outZeroPoint = 0;
  int32_t clampLo = -128, clampHi = 127;
  /// Lut only: 256 entries, indexed by x + 128.
  std::vector<int8_t> table;

  uint64_t elements() const { return uint64_t(rows * cols); }
  /// Bytes read from DRAM by the layer's inputs (both for Add).
  uint64_t inputBytes() const {
    return elements() * (kind == Kind::Add ? 2 : 1);
  }
  uint64_t outputBytes() const { return elements(); }
  llvm::Error verify() const;
};

/// Rows per tile (the tensor's `rows`), double-buffered.
struct EltwiseTiling {
  int64_t tileRows = 1;
  std::string str() const; ///< "rows=64"
  bool operator==(const EltwiseTiling &other) const;
};

llvm::Error checkEltwiseTiling(const EltwiseLayer &layer,
                               const EltwiseTiling &tiling,
                               const HardwareDesc &hw);
llvm::Expected<LayerCost> estimateEltwise(const EltwiseLayer &layer,
                                          const EltwiseTiling &tiling,
                                          const HardwareDesc &hw);
std::vector<EltwiseTiling> enumerateEltwiseTilings(const EltwiseLayer &layer,
                                                   const HardwareDesc &hw);
llvm::Expected<EltwiseTiling> chooseEltwiseTiling(const EltwiseLayer &layer,
                                                  const HardwareDesc &hw,
                                                  LayerCost *cost = nullptr);
uint64_t getEltwiseConstantBytes(const EltwiseLayer &layer,
                                 const EltwiseTiling &tiling,
                                 const HardwareDesc &hw);
/// Reads LayerAddresses::input (and ::input2 for Add).
llvm::Expected<LayerCode> emitEltwise(const EltwiseLayer &layer,
                                      const EltwiseTiling &tiling,
                                      const HardwareDesc &hw,
                                      const LayerAddresses &addresses);

} // namespace tessera::npu

#endif // TESSERA_CODEGEN_NPU_LAYER_H
