//===- NNToLinalg.cpp - the convert-nn-to-linalg pass ---------------------===//
//
// Part of Tessera. The type converter, constants, and the pass that applies
// every family's patterns.
//
//===----------------------------------------------------------------------===//

#include "tessera/Conversion/NNToLinalg/NNToLinalg.h"
#include "Utils.h"
#include "tessera/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using namespace tessera::nn_to_linalg;

namespace tessera {
#define GEN_PASS_DEF_CONVERTNNTOLINALG
#include "tessera/Conversion/Passes.h.inc"
} // namespace tessera

static Type signless(Type element) {
  auto intType = dyn_cast<IntegerType>(element);
  if (!intType || intType.isSignless())
    return element;
  return IntegerType::get(element.getContext(), intType.getWidth());
}

tessera::NNToLinalgTypeConverter::NNToLinalgTypeConverter() {
  addConversion([](Type type) { return type; });
  addConversion([](RankedTensorType type) -> Type {
    return type.clone(signless(type.getElementType()));
  });
  auto bitcast = [](OpBuilder &b, Type type, ValueRange inputs,
                    Location loc) -> Value {
    if (inputs.size() != 1 || !isa<TensorType>(type) ||
        !isa<TensorType>(inputs[0].getType()))
      return nullptr;
    return tensor::BitcastOp::create(b, loc, type, inputs[0]);
  };
  addSourceMaterialization(bitcast);
  addTargetMaterialization(bitcast);
}

namespace {

struct ConstantOpLowering
    : public OpConversionPattern<tessera::nn::ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(tessera::nn::ConstantOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(
        getTypeConverter()->convertType(op.getOutput().getType()));
    Attribute value = op.getValue();
    if (type != op.getOutput().getType()) {
      if (auto dense = dyn_cast<DenseElementsAttr>(value))
        value = dense.bitcast(type.getElementType());
      else if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
        value = DenseResourceElementsAttr::get(type, resource.getRawHandle());
      else
        return rewriter.notifyMatchFailure(op, "unsupported constant kind");
    }
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, type,
                                                   cast<TypedAttr>(value));
    return success();
  }
};

/// `nn.fused` lowers by inlining its body: the body's ops then lower with
/// every other nn op (the CPU back end fuses loops on linalg itself).
struct FusedOpLowering : public OpConversionPattern<tessera::nn::FusedOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(tessera::nn::FusedOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Block &body = op.getBody().front();
    auto yield = cast<tessera::nn::YieldOp>(body.getTerminator());
    SmallVector<Value> results(yield.getValues());
    rewriter.inlineBlockBefore(&body, op, op.getInputs());
    rewriter.replaceOp(op, results);
    rewriter.eraseOp(yield);
    return success();
  }
};

struct ConvertNNToLinalgPass
    : public tessera::impl::ConvertNNToLinalgBase<ConvertNNToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    if (failed(tessera::lowerNNControlFlow(getOperation())))
      return signalPassFailure();
    tessera::NNToLinalgTypeConverter converter;
    RewritePatternSet patterns(ctx);
    tessera::populateNNToLinalgConversionPatterns(converter, patterns);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   converter);
    populateReturnOpTypeConversionPattern(patterns, converter);

    ConversionTarget target(*ctx);
    // scf ops of lowered control flow carry the converted types.
    scf::populateSCFStructuralTypeConversionsAndLegality(converter, patterns,
                                                         target);
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                           arith::ArithDialect, math::MathDialect,
                           scf::SCFDialect>();
    target.addIllegalDialect<tessera::nn::NNDialect>();
    // Absent optional operands are inspected by patterns and die with them.
    target.addLegalOp<tessera::nn::NoneOp>();
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
      return converter.isSignatureLegal(op.getFunctionType());
    });
    target.addDynamicallyLegalOp<func::ReturnOp>(
        [&](func::ReturnOp op) { return converter.isLegal(op); });
    // The functions and whatever else holds nn ops: other top-level ops
    // (the npu target's programs, hundreds of thousands of instruction ops)
    // have nothing to convert.
    auto *nnDialect = ctx->getLoadedDialect<tessera::nn::NNDialect>();
    SmallVector<Operation *> roots;
    for (Operation &op : getOperation().getBody()->getOperations()) {
      bool holdsNN =
          isa<func::FuncOp>(op) || op.walk([&](Operation *nested) {
                                       return nested->getDialect() == nnDialect
                                                  ? WalkResult::interrupt()
                                                  : WalkResult::advance();
                                     }).wasInterrupted();
      if (holdsNN)
        roots.push_back(&op);
    }
    if (failed(applyPartialConversion(roots, target, std::move(patterns))))
      return signalPassFailure();
    getOperation().walk([](tessera::nn::NoneOp op) {
      if (op->use_empty())
        op->erase();
    });
  }
};

} // namespace

void tessera::populateNNToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ConstantOpLowering, FusedOpLowering>(converter,
                                                    patterns.getContext());
  populateNNElementwiseToLinalgPatterns(converter, patterns);
  populateNNContractionToLinalgPatterns(converter, patterns);
  populateNNPoolingToLinalgPatterns(converter, patterns);
  populateNNReductionToLinalgPatterns(converter, patterns);
  populateNNDataMovementToLinalgPatterns(converter, patterns);
  populateNNQuantizationToLinalgPatterns(converter, patterns);
  populateNNScanToLinalgPatterns(converter, patterns);
  populateNNRecurrentToLinalgPatterns(converter, patterns);
  populateNNIndexingToLinalgPatterns(converter, patterns);
  populateNNDetectionToLinalgPatterns(converter, patterns);
}
