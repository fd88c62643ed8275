//===- onnx_import_fuzzer.cpp - fuzz the ONNX importer --------------------===//
//
// Part of Tessera. Bytes -> importONNXBuffer -> verify. Diagnostics are
// swallowed; a model that imports must verify. External data resolves in a
// scratch directory holding one small file, `data.bin`.
//
// The importer runs in this process: its containment of libonnx crashes (a
// forked child) is turned off in configureForFuzzing, so that a crash is
// seen, and instrumented, where it happens.
//
//===----------------------------------------------------------------------===//

#include "FuzzUtils.h"
#include "tessera/Target/ONNX/ImportONNX.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

using namespace tessera;

/// The import options the fuzzer uses: the defaults, run in-process.
static ONNXImportOptions configureForFuzzing() {
  ONNXImportOptions options;
  // libonnx in this process, not a forked child: a crash there must be seen
  // (and a fork per input would cost more than the import).
  options.containCrashes = false;
  return options;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const ONNXImportOptions options = configureForFuzzing();
  static const std::string &modelDir = [] {
    static const uint8_t bytes[256] = {0, 0, 128, 63};
    fuzz::writeScratchFile("data.bin", bytes, sizeof(bytes));
    return std::ref(fuzz::getScratchDir());
  }();
  // A fresh context per input: nothing interned or registered (dense
  // resources) accumulates across inputs, and each run is reproducible.
  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  mlir::ScopedDiagnosticHandler swallow(
      &context, [](mlir::Diagnostic &) { return mlir::success(); });
  llvm::StringRef buffer(reinterpret_cast<const char *>(data), size);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      importONNXBuffer(buffer, "fuzz.onnx", modelDir, &context, options);
  if (module)
    fuzz::check(mlir::succeeded(mlir::verify(*module)),
                "an imported module verifies");
  return 0;
}
