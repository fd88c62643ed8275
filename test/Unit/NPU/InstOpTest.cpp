//===- InstOpTest.cpp - instruction ops to and from npu::Inst -------------===//
//
// Part of Tessera. npu::InstOpBuilder (the outline's fast path) and
// createInstOp make the same ops, and toInst reads back every field and
// dependency flag of every opcode.
//
//===----------------------------------------------------------------------===//

#include "NPU/NPUOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <random>

using namespace mlir;
using namespace tessera::npu;

TEST(InstOp, BuilderRoundTripsEveryOpcode) {
  MLIRContext context;
  context.loadDialect<NPUDialect>();
  Location loc = UnknownLoc::get(&context);
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  OpBuilder builder = OpBuilder::atBlockEnd(module->getBody());
  InstOpBuilder instOps(&context);
  std::mt19937_64 rng(15);
  for (const OpcodeInfo &info : getOpcodes()) {
    for (int trial = 0; trial < 50; ++trial) {
      Inst inst;
      inst.op = info.op;
      for (const FieldInfo &field : getFields(info.op)) {
        // The extremes first, then random values of the field's range.
        int64_t lo = fieldMin(field), hi = fieldMax(field);
        inst.*field.member =
            trial == 0   ? lo
            : trial == 1 ? hi
                         : std::uniform_int_distribution<int64_t>(lo, hi)(rng);
      }
      inst.deps = uint8_t(rng()) & getAllowedDepFlags(info.queue);
      for (InstOpInterface op : {instOps.create(builder, loc, inst),
                                 createInstOp(builder, loc, inst)}) {
        FailureOr<Inst> back = toInst(op);
        ASSERT_TRUE(succeeded(back)) << info.mnemonic.str();
        EXPECT_TRUE(*back == inst) << info.mnemonic.str();
        EXPECT_EQ(back->deps, inst.deps) << info.mnemonic.str();
        EXPECT_EQ(op->getName().getStringRef(), ("npu." + info.mnemonic).str());
      }
    }
  }
}
