//===- NNBase.td - base classes of nn operations --------*- tablegen -*-===//
//
// Part of Tessera. Shared definitions for the hand-written and the generated
// nn operations.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_NN_NNBASE_TD
#define TESSERA_DIALECT_NN_NNBASE_TD

include "NN/NNDialect.td"
include "NN/NNInterfaces.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

/// An optional ONNX input: a tensor, or the value of `nn.none`.
class NN_Optional<Type t> : AnyTypeOf<[t, NoneType]>;

/// Base class of every ONNX-mirroring op. `shapeFunction` names the C++
/// function (NNShapes*.cpp) that infers its result types; the verifier runs
/// it and checks the declared result types against the inferred ones.
class NN_Op<string mnemonic, list<Trait> traits = []>
    : Op<NN_Dialect, mnemonic,
         traits # [DeclareOpInterfaceMethods<NN_ShapeInferenceOpInterface>]> {
  string shapeFunction = ?;
  let hasVerifier = 1;
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let extraClassDefinition = !strconcat([{
    ::llvm::LogicalResult $cppClass::inferResultTypes(
        ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      return ::tessera::nn::inferResultTypesBounded(getOperation(), types,
          &::tessera::nn::}], shapeFunction, [{);
    }
    ::llvm::LogicalResult $cppClass::verify() {
      return ::tessera::nn::verifyInferredResultTypes(getOperation());
    }
  }]);
}

#endif // TESSERA_DIALECT_NN_NNBASE_TD
