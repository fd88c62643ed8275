//===- CABI.cpp - the C ABI of a CPU artifact -----------------------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "tessera/Codegen/CPU/CABI.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace mlir;

namespace tessera {

LogicalResult prepareForCABI(ModuleOp module) {
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!main || main.isExternal())
    return emitError(module.getLoc()) << "the module has no @main function";
  // The bare-pointer convention has no zero-element memrefs: such an input
  // or output crosses the ABI as one element nobody reads (the caller's
  // buffer must hold one element; see the ABI above).
  auto isEmpty = [](Type type) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    return tensor && tensor.hasStaticShape() && tensor.getNumElements() == 0;
  };
  auto oneElement = [](Type type) {
    return RankedTensorType::get({1},
                                 cast<RankedTensorType>(type).getElementType());
  };
  Block &entry = main.getBody().front();
  OpBuilder b(&entry, entry.begin());
  SmallVector<Type> argTypes(main.getArgumentTypes());
  for (auto [i, arg] : llvm::enumerate(entry.getArguments())) {
    if (!isEmpty(arg.getType()))
      continue;
    auto type = cast<RankedTensorType>(arg.getType());
    Value empty = tensor::EmptyOp::create(b, arg.getLoc(), type.getShape(),
                                          type.getElementType());
    arg.replaceAllUsesWith(empty);
    arg.setType(oneElement(type));
    argTypes[i] = arg.getType();
  }
  Operation *terminator = main.getBody().back().getTerminator();
  b.setInsertionPoint(terminator);
  llvm::SmallPtrSet<Value, 8> seen;
  for (OpOperand &operand : terminator->getOpOperands()) {
    Value v = operand.get();
    if (isEmpty(v.getType())) {
      auto type = oneElement(v.getType());
      operand.set(tensor::EmptyOp::create(b, v.getLoc(), type.getShape(),
                                          type.getElementType()));
      continue;
    }
    if (seen.insert(v).second)
      continue;
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type)
      continue;
    Value empty = tensor::EmptyOp::create(b, v.getLoc(), type.getShape(),
                                          type.getElementType());
    operand.set(linalg::CopyOp::create(b, v.getLoc(), v, empty).getResult(0));
  }
  main.setType(FunctionType::get(module.getContext(), argTypes,
                                 terminator->getOperandTypes()));
  return success();
}

LogicalResult addRunEntryPoint(ModuleOp module, const ModelSignature &signature,
                               StringRef statusFunction) {
  auto main = module.lookupSymbol<LLVM::LLVMFuncOp>("main");
  if (!main)
    return emitError(module.getLoc()) << "no lowered @main to wrap";
  unsigned numArgs = signature.inputs.size() + signature.outputs.size();
  if (main.getNumArguments() != numArgs)
    return emitError(main.getLoc())
           << "@main takes " << main.getNumArguments()
           << " arguments, expected one pointer per input and output ("
           << numArgs << ")";
  // The names live in the manifest now; LLVM has no use for them.
  for (unsigned i = 0; i < numArgs; ++i)
    main.removeArgAttr(i, "nn.name");
  MLIRContext *ctx = module.getContext();
  OpBuilder b(ctx);
  b.setInsertionPointToEnd(module.getBody());
  Location loc = main.getLoc();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto i32 = IntegerType::get(ctx, 32);
  auto fnType = LLVM::LLVMFunctionType::get(i32, {ptr, ptr});
  auto run = LLVM::LLVMFuncOp::create(b, loc, "tessera_run", fnType);
  Block *entry = run.addEntryBlock(b);
  b.setInsertionPointToStart(entry);
  SmallVector<Value> args;
  auto load = [&](Value base, int64_t index) {
    Value slot = LLVM::GEPOp::create(b, loc, ptr, ptr, base,
                                     ArrayRef<LLVM::GEPArg>{(int32_t)index});
    args.push_back(LLVM::LoadOp::create(b, loc, ptr, slot));
  };
  for (size_t i = 0; i < signature.inputs.size(); ++i)
    load(entry->getArgument(0), i);
  for (size_t i = 0; i < signature.outputs.size(); ++i)
    load(entry->getArgument(1), i);
  LLVM::CallOp::create(b, loc, main, args);
  if (statusFunction.empty()) {
    Value zero = LLVM::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(0));
    LLVM::ReturnOp::create(b, loc, zero);
    return success();
  }
  auto statusType = LLVM::LLVMFunctionType::get(i32, {});
  auto status = module.lookupSymbol<LLVM::LLVMFuncOp>(statusFunction);
  if (!status) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(module.getBody());
    status = LLVM::LLVMFuncOp::create(b, loc, statusFunction, statusType);
  }
  Value rc = LLVM::CallOp::create(b, loc, status, ValueRange()).getResult();
  LLVM::ReturnOp::create(b, loc, rc);
  return success();
}

} // namespace tessera
