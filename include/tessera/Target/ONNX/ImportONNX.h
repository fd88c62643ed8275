//===- ImportONNX.h - ONNX model to nn dialect ------------------*- C++ -*-===//
//
// Part of Tessera. Loads an ONNX model with libonnx (checker, opset upgrade,
// shape inference) and builds a module with one `func.func @main` of nn ops.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TARGET_ONNX_IMPORTONNX_H
#define TESSERA_TARGET_ONNX_IMPORTONNX_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"

#include <string>

namespace tessera {

struct ONNXImportOptions {
  /// Dims pinned by `--input-shape name=d0,d1,...`, keyed by input name.
  llvm::StringMap<llvm::SmallVector<int64_t>> inputShapes;
  /// The opset whose semantics the nn dialect implements; older models are
  /// upgraded to it.
  int64_t targetOpset = 17;
  /// Initializers with more elements than this become dense resources.
  int64_t inlineElementLimit = 64;
  /// Name of the function to create.
  std::string functionName = "main";
  /// Run libonnx's checker, version converter and shape inference in a
  /// forked child process, so that a crash inside libonnx becomes an error
  /// (off: in this process, e.g. for a fuzzer that must see the crash).
  bool containCrashes = true;
};

/// Parses one `name=d0,d1,...` spec into `options`; returns an error message
/// or the empty string.
std::string parseInputShapeSpec(llvm::StringRef spec,
                                ONNXImportOptions &options);

/// Imports the ONNX model at `path`. Every problem is reported through the
/// context's diagnostic handler (located at the file or at the node) and
/// yields a null module; unsupported ops are reported all at once.
mlir::OwningOpRef<mlir::ModuleOp>
importONNXFile(llvm::StringRef path, mlir::MLIRContext *context,
               const ONNXImportOptions &options = {});

/// Same, from a model in memory; external data is looked up in `modelDir`.
mlir::OwningOpRef<mlir::ModuleOp>
importONNXBuffer(llvm::StringRef buffer, llvm::StringRef bufferName,
                 llvm::StringRef modelDir, mlir::MLIRContext *context,
                 const ONNXImportOptions &options = {});

/// Registers `--import-onnx` with mlir-translate style drivers.
void registerONNXImportTranslation();

} // namespace tessera

#endif // TESSERA_TARGET_ONNX_IMPORTONNX_H
