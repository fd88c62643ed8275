//===- NNOps.cpp - nn dialect ---------------------------------------------===//
//
// Part of Tessera. Dialect registration, the hand-written ops and the
// verifier shared by every ONNX-mirroring op.
//
//===----------------------------------------------------------------------===//

#include "NN/NNOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace tessera::nn;

#include "NN/NNDialect.cpp.inc"
#include "NN/NNInterfaces.cpp.inc"

void NNDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "NN/NNOps.cpp.inc"
      >();
}

Operation *NNDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                          Type type, Location loc) {
  if (isa<NoneType>(type))
    return NoneOp::create(builder, loc, type);
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, type, elements);
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

OpFoldResult NoneOp::fold(FoldAdaptor) { return UnitAttr::get(getContext()); }

LogicalResult tessera::nn::verifyInferredResultTypes(Operation *op) {
  auto iface = dyn_cast<ShapeInferenceOpInterface>(op);
  if (!iface)
    return success();
  SmallVector<Type> inferred;
  if (failed(iface.inferResultTypes(inferred)))
    return failure();
  if (inferred.size() != op->getNumResults())
    return op->emitOpError()
           << "has " << op->getNumResults()
           << " results but its operands imply " << inferred.size();
  for (auto [i, declaredAndInferred] :
       llvm::enumerate(llvm::zip(op->getResultTypes(), inferred))) {
    auto [declared, expected] = declaredAndInferred;
    if (getElementTypeOrSelf(declared) == getElementTypeOrSelf(expected) &&
        succeeded(verifyCompatibleShape(declared, expected)))
      continue;
    return op->emitOpError()
           << "result #" << i << " has type " << declared
           << " but its operands and attributes imply " << expected;
  }
  return success();
}

FailureOr<SmallVector<Type>>
tessera::nn::inferResultTypesQuietly(Operation *op) {
  auto iface = dyn_cast<ShapeInferenceOpInterface>(op);
  if (!iface)
    return failure();
  ScopedDiagnosticHandler silence(op->getContext(),
                                  [](Diagnostic &) { return success(); });
  SmallVector<Type> inferred;
  if (failed(iface.inferResultTypes(inferred)))
    return failure();
  return inferred;
}

#define GET_OP_CLASSES
#include "NN/NNOps.cpp.inc"
