//===- TestHopperGemm.cpp - test pass of the Hopper GEMM emitter ----------===//
//
// Part of Tessera. `--tessera-test-hopper-gemm` replaces every linalg.matmul
// on static memrefs f16 x f16 -> f32 (default indexing maps) by
// tessera::gpu::emitHopperGemm at its place. When the enclosing function has
// a fourth argument memref<N x f32>, the epilogue is max(0, acc + bias[col])
// with that argument as the bias. Shapes the emitter does not take fail the
// pass with its error.
//
//===----------------------------------------------------------------------===//

#include "tessera/Codegen/GPU/GPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

using namespace mlir;

namespace {

/// Whether `v` is a static memref of element type `elem`.
bool isStaticMemRefOf(Value v, Type elem) {
  auto t = dyn_cast<MemRefType>(v.getType());
  return t && t.hasStaticShape() && t.getElementType() == elem;
}

struct TestHopperGemmPass
    : PassWrapper<TestHopperGemmPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(TestHopperGemmPass)

  StringRef getArgument() const final { return "tessera-test-hopper-gemm"; }
  StringRef getDescription() const final {
    return "Replace each static f16 x f16 -> f32 linalg.matmul on memrefs by "
           "the Hopper warpgroup-MMA GEMM (test of emitHopperGemm; a fourth "
           "function argument memref<N x f32> is a bias, epilogue "
           "max(0, acc + bias[col]))";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry
        .insert<arith::ArithDialect, gpu::GPUDialect, LLVM::LLVMDialect,
                memref::MemRefDialect, nvgpu::NVGPUDialect, NVVM::NVVMDialect,
                scf::SCFDialect, vector::VectorDialect>();
  }

  void runOnOperation() override {
    Builder types(&getContext());
    SmallVector<linalg::MatmulOp> matmuls;
    getOperation().walk([&](linalg::MatmulOp op) {
      if (!op.hasPureBufferSemantics() || op.hasUserDefinedMaps())
        return;
      if (!isStaticMemRefOf(op.getDpsInputs()[0], types.getF16Type()) ||
          !isStaticMemRefOf(op.getDpsInputs()[1], types.getF16Type()) ||
          !isStaticMemRefOf(op.getDpsInits()[0], types.getF32Type()))
        return;
      matmuls.push_back(op);
    });
    for (linalg::MatmulOp op : matmuls) {
      tessera::gpu::HopperGemmSpec spec;
      spec.a = op.getDpsInputs()[0];
      spec.b = op.getDpsInputs()[1];
      spec.c = op.getDpsInits()[0];
      auto func = op->getParentOfType<func::FuncOp>();
      auto cType = cast<MemRefType>(spec.c.getType());
      if (func && func.getNumArguments() == 4) {
        Value bias = func.getArgument(3);
        auto biasType = dyn_cast<MemRefType>(bias.getType());
        if (biasType && biasType.getRank() == 1 &&
            biasType.getDimSize(0) == cType.getDimSize(1) &&
            biasType.getElementType() == types.getF32Type()) {
          spec.epilogue = [bias](OpBuilder &b, Location loc, Value acc,
                                 Value row, Value col) -> Value {
            (void)row;
            Value x = memref::LoadOp::create(b, loc, bias, ValueRange{col});
            Value sum = arith::AddFOp::create(b, loc, acc, x);
            Value zero = arith::ConstantOp::create(b, loc, b.getF32Type(),
                                                   b.getF32FloatAttr(0.0f));
            return arith::MaximumFOp::create(b, loc, sum, zero);
          };
        }
      }
      OpBuilder b(op);
      if (failed(tessera::gpu::emitHopperGemm(b, op.getLoc(), spec)))
        return signalPassFailure();
      op.erase();
    }
  }
};

} // namespace

namespace tessera::gpu {
void registerTestHopperGemmPass() { PassRegistration<TestHopperGemmPass>(); }
} // namespace tessera::gpu
