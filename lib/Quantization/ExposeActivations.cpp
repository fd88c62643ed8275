//===- ExposeActivations.cpp - activations as extra results ---------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "tessera/Quantization/ExposeActivations.h"
#include "tessera/Quantization/Calibration.h"

#include "mlir/IR/Builders.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace tessera::quant {

void exposeValues(func::FuncOp func,
                  ArrayRef<std::pair<Value, std::string>> values) {
  if (values.empty())
    return;
  Builder builder(func.getContext());
  unsigned first = func.getNumResults();
  SmallVector<unsigned> indices;
  SmallVector<Type> types;
  SmallVector<DictionaryAttr> attrs;
  for (const auto &[value, name] : values) {
    indices.push_back(first);
    types.push_back(value.getType());
    attrs.push_back(builder.getDictionaryAttr(
        builder.getNamedAttr("nn.name", builder.getStringAttr(name))));
  }
  (void)func.insertResults(indices, types, attrs);
  func.walk([&](func::ReturnOp ret) {
    SmallVector<Value> operands(ret.getOperands());
    for (const auto &entry : values)
      operands.push_back(entry.first);
    ret->setOperands(operands);
  });
}

SmallVector<std::string> exposeActivations(func::FuncOp func) {
  SmallVector<std::pair<Value, std::string>> values;
  SmallVector<std::string> keys;
  for (QuantPoint &point : enumerateQuantPoints(func)) {
    if (isa<BlockArgument>(point.value))
      continue;
    keys.push_back(point.key);
    values.emplace_back(point.value, std::move(point.key));
  }
  exposeValues(func, values);
  return keys;
}

SmallVector<std::string> exposeQuantizedActivations(func::FuncOp func) {
  SmallVector<std::pair<Value, std::string>> values;
  SmallVector<std::string> keys;
  for (Operation &op : func.getBody().front()) {
    auto key = op.getAttrOfType<StringAttr>("nn.quant_key");
    if (!key || op.getNumResults() != 1)
      continue;
    keys.push_back(key.str());
    values.emplace_back(op.getResult(0), key.str());
  }
  exposeValues(func, values);
  return keys;
}

namespace {
struct ExposeActivationsPass
    : PassWrapper<ExposeActivationsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ExposeActivationsPass)

  ExposeActivationsPass() = default;
  ExposeActivationsPass(const ExposeActivationsPass &other)
      : PassWrapper(other) {}
  explicit ExposeActivationsPass(bool quantizedGraph) {
    quantized = quantizedGraph;
  }

  StringRef getArgument() const final { return "tessera-expose-activations"; }
  StringRef getDescription() const final {
    return "Append every float activation of @main (or with quantized=true "
           "every op carrying nn.quant_key) as an extra result named by its "
           "quantization key";
  }

  void runOnOperation() override {
    auto func = getOperation().lookupSymbol<func::FuncOp>("main");
    if (!func || func.isExternal())
      return;
    if (quantized)
      exposeQuantizedActivations(func);
    else
      exposeActivations(func);
  }

  Option<bool> quantized{
      *this, "quantized",
      llvm::cl::desc("Expose the integer activations (ops with nn.quant_key) "
                     "of a quantized graph"),
      llvm::cl::init(false)};
};
} // namespace

std::unique_ptr<Pass> createExposeActivationsPass(bool quantized) {
  return std::make_unique<ExposeActivationsPass>(quantized);
}

void registerQuantizationPasses() { PassRegistration<ExposeActivationsPass>(); }

} // namespace tessera::quant
