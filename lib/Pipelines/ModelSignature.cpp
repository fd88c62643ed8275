//===- ModelSignature.cpp - a compiled model's inputs and outputs ---------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "tessera/Pipelines/ModelSignature.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;

namespace tessera {

std::string getDTypeName(Type type) {
  if (type.isF32())
    return "float32";
  if (type.isF64())
    return "float64";
  if (type.isF16())
    return "float16";
  if (type.isBF16())
    return "bfloat16";
  if (auto intType = dyn_cast<IntegerType>(type)) {
    if (intType.getWidth() == 1)
      return "bool";
    return (intType.isUnsigned() ? "uint" : "int") +
           std::to_string(intType.getWidth());
  }
  return "";
}

FailureOr<ModelSignature> getModelSignature(ModuleOp module) {
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!main)
    return emitError(module.getLoc()) << "the module has no @main function";
  ModelSignature signature;
  auto describe = [&](Type type, DictionaryAttr attrs, StringRef fallback,
                      SmallVectorImpl<TensorDesc> &out) -> LogicalResult {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor || !tensor.hasStaticShape())
      return emitError(main.getLoc())
             << "model I/O must be static tensors, got " << type;
    TensorDesc desc;
    auto name = attrs ? attrs.getAs<StringAttr>("nn.name") : StringAttr();
    desc.name = name ? name.str() : fallback.str();
    desc.dtype = getDTypeName(tensor.getElementType());
    if (desc.dtype.empty())
      return emitError(main.getLoc())
             << "unsupported I/O element type " << tensor.getElementType();
    desc.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
    out.push_back(std::move(desc));
    return success();
  };
  for (auto [i, type] : llvm::enumerate(main.getArgumentTypes()))
    if (failed(describe(type, main.getArgAttrDict(i),
                        "input" + std::to_string(i), signature.inputs)))
      return failure();
  for (auto [i, type] : llvm::enumerate(main.getResultTypes()))
    if (failed(describe(type, main.getResultAttrDict(i),
                        "output" + std::to_string(i), signature.outputs)))
      return failure();
  return signature;
}

} // namespace tessera
