//===- Layers.h - NPU layers of a quantized nn graph ------------*- C++ -*-===//
//
// Part of Tessera. What tessera-npu-place and tessera-npu-outline share: the
// match of an nn.conv_integer / nn.matmul_integer [+ nn.add bias] +
// nn.requantize chain as one tessera::npu::ConvLayer, the module's full
// hardware description, ONNX node names, and the grouping of placed layers
// into segments.
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

/// The reason of every op that is no part of an NPU layer.
constexpr llvm::StringLiteral kNotInRepertoire =
    "not in the NPU's repertoire (ISA v1 runs int8 conv/matmul with constant "
    "weights and a requantize epilogue)";

/// One NPU layer of a function: its nn ops and the ConvLayer they compute.
struct MatchedLayer {
  mlir::Operation *anchor = nullptr; ///< nn.conv_integer or nn.matmul_integer
  mlir::Operation *bias = nullptr;   ///< the nn.add of the bias, or null
  mlir::Operation *requantize = nullptr;
  bool isConv = true;
  mlir::Value input;  ///< the int8 activation
  mlir::Value output; ///< the int8 result of the requantize
  ConvLayer layer;

  /// The layer's ops in dataflow order (anchor, bias, requantize).
  llvm::SmallVector<mlir::Operation *, 3> getOps() const;
  /// Their ONNX node names joined with '+' (each once); "" when none.
  std::string getName() const;
  /// The fused location of the ops.
  mlir::Location getLoc() const;
};

/// Matches the layer rooted at `anchor` (an nn.conv_integer or
/// nn.matmul_integer). On failure `reason` says why it cannot run on the
/// NPU; `reasonOp` is the op the reason is about (one of the chain).
std::optional<MatchedLayer> matchLayer(mlir::Operation *anchor,
                                       std::string &reason,
                                       mlir::Operation *&reasonOp);

/// True for the ops that can root a layer.
bool isLayerAnchor(mlir::Operation *op);

/// The full hardware description of the module's `npu.hardware`: the file
/// or preset `spec` when given, else the preset the attribute names; its
/// hash must be the attribute's. Emits an error at `module` on failure.
mlir::FailureOr<HardwareDesc> getModuleHardware(mlir::ModuleOp module,
                                                llvm::StringRef spec);

/// The ONNX node names of `loc` joined with '+' (each once).
std::string getNodeNames(mlir::Location loc);

/// Moves the anchor and bias of each layer down to just before its
/// requantize, so that every layer is one contiguous run of ops.
void makeContiguous(llvm::ArrayRef<MatchedLayer *> layers);

/// Groups contiguous `layers` of `block` (in block order) into segments:
/// maximal runs where no op between two layers uses a value of the run and
/// no layer reads a value of the run in another layout (NHWC convolution
/// activations vs row-major matrix operands).
llvm::SmallVector<llvm::SmallVector<MatchedLayer *>>
groupSegments(mlir::Block &block, llvm::ArrayRef<MatchedLayer *> layers);

} // namespace tessera::npu

#endif // TESSERA_LIB_CODEGEN_NPU_LAYERS_H
