//===- main.cpp - parse an nn module with the installed TesseraNN ---------===//
//
// Part of Tessera's install tests: a program outside the build that uses the
// installed nn dialect headers and library (find_package(Tessera COMPONENTS
// compiler)). Parses, verifies and prints the module in argv[1].
//
//===----------------------------------------------------------------------===//

#include "NN/NNOps.h"
#include "tessera/Version.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/raw_ostream.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    llvm::errs() << "usage: nn-consumer FILE.mlir\n";
    return 2;
  }
  mlir::MLIRContext context;
  context.loadDialect<tessera::nn::NNDialect, mlir::func::FuncDialect>();
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(argv[1], &context);
  if (!module)
    return 1;
  llvm::outs() << "// Tessera " << TESSERA_VERSION_STRING << "\n";
  module->print(llvm::outs());
  return 0;
}
