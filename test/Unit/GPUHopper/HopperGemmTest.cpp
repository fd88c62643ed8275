//===- HopperGemmTest.cpp - the Hopper GEMM emitter's interface -----------===//
//
// emitHopperGemm on a host function: the launch configuration of the narrow
// and wide kernels, one shared memory declaration for several GEMMs, the
// located errors, and an epilogue of the wrong type, which must leave the
// function as it was.
//
//===----------------------------------------------------------------------===//

#include "tessera/Codegen/GPU/GPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

#include <string>

using namespace mlir;

namespace {

class HopperGemmTest : public ::testing::Test {
protected:
  HopperGemmTest() {
    ctx.loadDialect<arith::ArithDialect, func::FuncDialect, gpu::GPUDialect,
                    LLVM::LLVMDialect, memref::MemRefDialect,
                    nvgpu::NVGPUDialect, NVVM::NVVMDialect, scf::SCFDialect,
                    vector::VectorDialect>();
    module = ModuleOp::create(UnknownLoc::get(&ctx));
  }

  /// A function taking A[m,k] f16, B[k,n] f16, C[m,n] f32 and returning
  /// nothing; the builder is left before its return.
  func::FuncOp makeFunc(OpBuilder &b, StringRef name, int64_t m, int64_t n,
                        int64_t k) {
    b.setInsertionPointToEnd(module->getBody());
    auto f16 = b.getF16Type();
    auto type = b.getFunctionType({MemRefType::get({m, k}, f16),
                                   MemRefType::get({k, n}, f16),
                                   MemRefType::get({m, n}, b.getF32Type())},
                                  {});
    auto func = func::FuncOp::create(b, b.getUnknownLoc(), name, type);
    Block *entry = func.addEntryBlock();
    b.setInsertionPointToEnd(entry);
    auto ret = func::ReturnOp::create(b, b.getUnknownLoc());
    b.setInsertionPoint(ret);
    return func;
  }

  static tessera::gpu::HopperGemmSpec specOf(func::FuncOp func) {
    tessera::gpu::HopperGemmSpec spec;
    spec.a = func.getArgument(0);
    spec.b = func.getArgument(1);
    spec.c = func.getArgument(2);
    return spec;
  }

  static int64_t constantOf(Value v) {
    auto c = v.getDefiningOp<arith::ConstantOp>();
    if (!c)
      return -1;
    return cast<IntegerAttr>(c.getValue()).getInt();
  }

  MLIRContext ctx;
  OwningOpRef<ModuleOp> module;
};

TEST_F(HopperGemmTest, NarrowLaunch) {
  OpBuilder b(&ctx);
  func::FuncOp func = makeFunc(b, "narrow", 512, 384, 1024);
  FailureOr<Operation *> op =
      tessera::gpu::emitHopperGemm(b, b.getUnknownLoc(), specOf(func));
  ASSERT_TRUE(succeeded(op));
  auto launch = dyn_cast<gpu::LaunchOp>(*op);
  ASSERT_TRUE(launch);
  EXPECT_EQ(constantOf(launch.getGridSizeX()), 3);
  EXPECT_EQ(constantOf(launch.getGridSizeY()), 4);
  EXPECT_EQ(constantOf(launch.getGridSizeZ()), 1);
  EXPECT_EQ(constantOf(launch.getBlockSizeX()), 128);
  EXPECT_EQ(constantOf(launch.getBlockSizeY()), 1);
  EXPECT_EQ(constantOf(launch.getDynamicSharedMemorySize()), 3 * 32768);
  EXPECT_TRUE(succeeded(verify(*module)));
}

TEST_F(HopperGemmTest, WideLaunchAndOneSharedDeclaration) {
  OpBuilder b(&ctx);
  func::FuncOp func = makeFunc(b, "wide", 256, 512, 4096);
  auto first = tessera::gpu::emitHopperGemm(b, b.getUnknownLoc(), specOf(func));
  auto second =
      tessera::gpu::emitHopperGemm(b, b.getUnknownLoc(), specOf(func));
  ASSERT_TRUE(succeeded(first) && succeeded(second));
  auto launch = cast<gpu::LaunchOp>(*first);
  EXPECT_EQ(constantOf(launch.getGridSizeX()), 2);
  EXPECT_EQ(constantOf(launch.getGridSizeY()), 2);
  EXPECT_EQ(constantOf(launch.getBlockSizeX()), 256);
  EXPECT_EQ(constantOf(launch.getDynamicSharedMemorySize()), 4 * 49152);
  int globals = 0;
  module->walk([&](memref::GlobalOp g) {
    ++globals;
    EXPECT_EQ(g.getSymName(), "__tessera_hopper_smem");
    EXPECT_TRUE(g.isExternal());
    EXPECT_TRUE(g.isPublic());
    EXPECT_EQ(g.getAlignment(), std::optional<uint64_t>(1024));
  });
  EXPECT_EQ(globals, 1);
  int wgmma = 0;
  module->walk([&](nvgpu::WarpgroupMmaOp) { ++wgmma; });
  EXPECT_EQ(wgmma, 2);
  EXPECT_TRUE(succeeded(verify(*module)));
}

TEST_F(HopperGemmTest, ShapeErrorIsLocated) {
  OpBuilder b(&ctx);
  func::FuncOp func = makeFunc(b, "bad", 128, 128, 100);
  std::string message;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &diag) {
    message = diag.str();
    return success();
  });
  Location loc = FileLineColLoc::get(&ctx, "model.onnx", 3, 7);
  EXPECT_TRUE(failed(tessera::gpu::emitHopperGemm(b, loc, specOf(func))));
  EXPECT_NE(message.find("K=100 not supported"), std::string::npos) << message;
  // Nothing was built.
  EXPECT_EQ(func.getBody().front().getOperations().size(), 1u);
}

TEST_F(HopperGemmTest, EpilogueOfWrongTypeLeavesTheFunction) {
  OpBuilder b(&ctx);
  func::FuncOp func = makeFunc(b, "epilogue", 128, 128, 128);
  tessera::gpu::HopperGemmSpec spec = specOf(func);
  spec.epilogue = [](OpBuilder &b, Location loc, Value acc, Value row,
                     Value col) -> Value { return row; };
  std::string message;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &diag) {
    message = diag.str();
    return success();
  });
  EXPECT_TRUE(failed(tessera::gpu::emitHopperGemm(b, b.getUnknownLoc(), spec)));
  EXPECT_NE(message.find("the epilogue must return an f32 value"),
            std::string::npos)
      << message;
  // Only the return is left in the function, and no shared declaration.
  EXPECT_EQ(func.getBody().front().getOperations().size(), 1u);
  int globals = 0;
  module->walk([&](memref::GlobalOp) { ++globals; });
  EXPECT_EQ(globals, 0);
  EXPECT_TRUE(succeeded(verify(*module)));
}

TEST_F(HopperGemmTest, EpilogueIsApplied) {
  OpBuilder b(&ctx);
  func::FuncOp func = makeFunc(b, "scaled", 128, 128, 128);
  tessera::gpu::HopperGemmSpec spec = specOf(func);
  int calls = 0;
  spec.epilogue = [&calls](OpBuilder &b, Location loc, Value acc, Value row,
                           Value col) -> Value {
    ++calls;
    return arith::MulFOp::create(b, loc, acc, acc);
  };
  ASSERT_TRUE(
      succeeded(tessera::gpu::emitHopperGemm(b, b.getUnknownLoc(), spec)));
  // Once per element of the vector<4xf32> each thread stores per row.
  EXPECT_EQ(calls, 4);
  int muls = 0;
  module->walk([&](arith::MulFOp) { ++muls; });
  EXPECT_EQ(muls, 4);
  EXPECT_TRUE(succeeded(verify(*module)));
}

} // namespace
