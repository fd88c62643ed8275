//===- Layers.h - NPU layers of a quantized nn graph ------------*- C++ -*-===//
//
// Part of Tessera. What tessera-npu-place and tessera-npu-outline share: the
// match of nn op chains as kernel-library layers (an nn.conv_integer /
// nn.matmul_integer [+ nn.add bias] + nn.requantize [+ nn.lookup_table]
// chain as one tessera::npu::ConvLayer, poolings, the integer residual Add
// and lookup tables), the module's full hardware description, ONNX node
// names, and the grouping of placed layers into segments.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_CODEGEN_NPU_LAYERS_H
#define TESSERA_LIB_CODEGEN_NPU_LAYERS_H

#include "tessera/Codegen/NPU/Layer.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <optional>
#include <string>

namespace tessera::npu {

/// The attributes tessera-npu-place writes.
constexpr llvm::StringLiteral kPlaceAttrName = "npu.place";
constexpr llvm::StringLiteral kReasonAttrName = "npu.reason";
/// The tiling tessera-npu-place chose, on the first op of an NPU layer, so
/// that tessera-npu-outline need not search again.
constexpr llvm::StringLiteral kTilingAttrName = "npu.tiling";

/// The reason of every op that is no part of an NPU layer.
constexpr llvm::StringLiteral kNotInRepertoire =
    "not in the NPU's repertoire (it runs int8 conv/matmul with constant "
    "weights and a requantize epilogue, max/average/global pooling, and with "
    "ISA v2 the integer residual Add and lookup-table activations)";

/// One NPU layer of a function: its nn ops and the kernel-library layer they
/// compute, with the tiling once tileLayer chose it.
struct MatchedLayer {
  enum class Kind : uint8_t {
    Conv,      ///< nn.conv_integer [+ nn.add] + nn.requantize
    MatMul,    ///< nn.matmul_integer [+ nn.add] + nn.requantize
    MaxPool,   ///< nn.max_pool of int8
    GlobalSum, ///< nn.cast + [nn.sub] + nn.reduce_sum + nn.requantize
    /// nn.conv_integer with one group per channel, weights 1 and no bias +
    /// nn.requantize per tensor: tessera-quantize's AveragePool (ISA v2).
    AvgPool,
    /// Two nn.cast + [nn.sub] + nn.requantize (int32) joined by nn.add +
    /// nn.requantize to int8: the integer residual Add (ISA v2).
    Add,
    Lut, ///< nn.lookup_table (ISA v2)
  } kind = Kind::Conv;
  /// The ops: the first reads `input`, the last makes `output`, every
  /// other result is read only within the layer (an Add's two operand
  /// chains come one after the other).
  llvm::SmallVector<mlir::Operation *, 4> ops;
  mlir::Value input;  ///< the int8 activation
  mlir::Value input2; ///< Add: the second int8 operand
  /// Add: the op of `ops` that reads `input2` (its operand 0).
  mlir::Operation *input2Reader = nullptr;
  mlir::Value output;       ///< the int8 result
  ConvLayer conv;           ///< Conv and MatMul
  PoolLayer pool;           ///< MaxPool, GlobalSum and AvgPool
  EltwiseLayer eltwise;     ///< Add and Lut
  bool eltwiseNHWC = false; ///< Add and Lut: rank-4 tensors, NHWC in DRAM
  ConvTiling convTiling;
  PoolTiling poolTiling;
  EltwiseTiling eltwiseTiling;

  bool isPool() const {
    return kind == Kind::MaxPool || kind == Kind::GlobalSum ||
           kind == Kind::AvgPool;
  }
  bool isEltwise() const { return kind == Kind::Add || kind == Kind::Lut; }
  /// Whether the activations are NHWC in DRAM (all but matrix products,
  /// whose operands are row-major as on the host, and elementwise layers
  /// of other ranks).
  bool isNHWC() const {
    return isEltwise() ? eltwiseNHWC : kind != Kind::MatMul;
  }
  mlir::Operation *getAnchor() const { return ops.front(); }
  /// The name the layer has in reports: its ONNX node names joined with
  /// '+' (each once), or the anchor's op name when it has none.
  const std::string &getLayerName() const {
    return isPool() ? pool.name : isEltwise() ? eltwise.name : conv.name;
  }
  /// The fused location of the ops.
  mlir::Location getLoc() const;
  uint64_t getMacs() const;
  uint64_t getInputBytes() const;
  uint64_t getOutputBytes() const;
  std::string getTilingString() const;
};

/// Chooses the tiling of `layer` for `hw` (stored in `layer`) and returns
/// its predicted cost; fails with the kernel library's message. A fitting
/// tiling whose str() is `chosen` is taken without a search.
llvm::Expected<LayerCost> tileLayer(MatchedLayer &layer, const HardwareDesc &hw,
                                    llvm::StringRef chosen = "",
                                    bool greedy = false);

/// Bytes of the packed constants of the tiled `layer`.
uint64_t getConstantBytes(const MatchedLayer &layer, const HardwareDesc &hw);

/// The instructions and constants of the tiled `layer`.
llvm::Expected<LayerCode> emitLayer(const MatchedLayer &layer,
                                    const HardwareDesc &hw,
                                    const LayerAddresses &addresses);

/// Matches the layer rooted at `anchor` (see isLayerAnchor) for `hw`: the
/// ISA v2 layers (Add, Lut, AvgPool, a conv's lookup-table epilogue) only
/// when hw.isaVersion >= 2. On failure `reason` says why it cannot run on
/// the NPU (empty when the anchor starts no layer at all, as an nn.cast
/// outside a global pooling or an Add); `reasonOp` is the op the reason is
/// about (one of the chain). Without `readWeights` the layer's weights stay
/// empty: enough for tileLayer (the cost model and the tiling search depend
/// only on the shapes), not for emitLayer.
std::optional<MatchedLayer>
matchLayer(mlir::Operation *anchor, const HardwareDesc &hw, std::string &reason,
           mlir::Operation *&reasonOp, bool readWeights = true);

/// True for the ops that can root a layer: nn.conv_integer,
/// nn.matmul_integer, nn.max_pool, nn.lookup_table, nn.cast of int8 to
/// int32.
bool isLayerAnchor(mlir::Operation *op);

/// The full hardware description of the module's `npu.hardware`: the file
/// or preset `spec` when given, else the preset the attribute names; its
/// hash must be the attribute's. Emits an error at `module` on failure.
mlir::FailureOr<HardwareDesc> getModuleHardware(mlir::ModuleOp module,
                                                llvm::StringRef spec);

/// The ONNX node names of `loc` joined with '+' (each once).
std::string getNodeNames(mlir::Location loc);

/// Moves the ops of each layer down to just before its last op, so that
/// every layer is one contiguous run of ops.
void makeContiguous(llvm::ArrayRef<MatchedLayer *> layers);

/// Groups contiguous `layers` of `block` (in block order) into segments:
/// maximal runs where no op between two layers uses a value of the run and
/// no layer reads a value of the run in another layout (NHWC convolution
/// activations vs row-major matrix operands).
llvm::SmallVector<llvm::SmallVector<MatchedLayer *>>
groupSegments(mlir::Block &block, llvm::ArrayRef<MatchedLayer *> layers);

} // namespace tessera::npu

#endif // TESSERA_LIB_CODEGEN_NPU_LAYERS_H
