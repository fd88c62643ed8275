//===- ValidateONNX.h - structural checks before libonnx --------*- C++ -*-===//
//
// Part of Tessera. libonnx's checker, version converter and shape inference
// trust much of what a model declares and crash (segfaults, heap corruption,
// division by zero) on some malformed models. This pass over the ModelProto
// runs before any of them: data sizes of tensors, attribute values the
// libonnx shape functions divide by or index with, values used before they
// are produced, and size bounds. Plain C++ on the protobuf API, no exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_LIB_TARGET_ONNX_VALIDATEONNX_H
#define TESSERA_LIB_TARGET_ONNX_VALIDATEONNX_H

#include "tessera/Target/ONNX/TensorProto.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace onnx {
class ModelProto;
class NodeProto;
class TensorProto;
} // namespace onnx

namespace tessera::onnx_validate {

/// The most elements a tensor (initializer, input, output) may have.
constexpr int64_t kMaxElements = int64_t(1) << 40;

/// The name of `node` in diagnostics: its name, or `<op type>_<index>`.
std::string getNodeName(const onnx::NodeProto &node, unsigned index);

/// The MLIR type of a supported ONNX element type (signed integers signless).
mlir::Type getMLIRType(mlir::Builder &b, onnx_proto::ElementType type);

/// Reports why `tensor` could not be decoded, at `loc`.
mlir::LogicalResult emitDecodeError(mlir::Location loc,
                                    const onnx::TensorProto &tensor,
                                    const onnx_proto::DecodeError &error);

/// Checks `model` before libonnx sees it and reports every problem found,
/// at `fileLoc` or at the node (a NameLoc inside `fileLoc`). External data
/// is looked up in `modelDir` (only its size is read).
mlir::LogicalResult validateModel(const onnx::ModelProto &model,
                                  llvm::StringRef modelDir,
                                  mlir::Location fileLoc);

} // namespace tessera::onnx_validate

#endif // TESSERA_LIB_TARGET_ONNX_VALIDATEONNX_H
