//===- FusionReportTest.cpp - where each ONNX node ended ------------------===//
//
// Part of Tessera. The fusion report's classification on hand-written `nn`
// stages: ops that absorbed other nodes (a FusedLoc led by their own node),
// ops that replace several nodes (recognized patterns), nodes no op names
// any more, and groups with their anchor and epilogues.
//
//===----------------------------------------------------------------------===//

#include "tessera/Driver/FusionReport.h"
#include "NN/NNOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace tessera;

namespace {

const char *kStage = R"mlir(
func.func @main(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32> {
  %none = nn.none
  %c = nn.conv %x, %w, %none : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc(fused["conv", "bn"])
  %h = nn.hard_swish %c : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> loc(fused["hsig", "hmul"])
  %f = nn.fused "conv" (%h, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32> {
  ^bb0(%a: tensor<1x2x4x4xf32>, %b: tensor<2x2x1x1xf32>):
    %n = nn.none
    %d = nn.conv %a, %b, %n : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32> loc("conv2")
    %r = nn.relu %d : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> loc("relu2")
    nn.yield %r : tensor<1x2x4x4xf32>
  } loc(fused["conv2", "relu2"])
  return %f : tensor<1x2x4x4xf32>
}
)mlir";

TEST(FusionReportTest, ClassifiesEveryNode) {
  DialectRegistry registry;
  registry.insert<func::FuncDialect, nn::NNDialect>();
  MLIRContext context(registry);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(kStage, &context);
  ASSERT_TRUE(module);
  std::vector<ONNXNodeRecord> records = {
      {"ident", "Identity"},   {"conv", "Conv"}, {"bn", "BatchNormalization"},
      {"hsig", "HardSigmoid"}, {"hmul", "Mul"},  {"conv2", "Conv"},
      {"relu2", "Relu"}};
  FusionReport report =
      buildFusionReport("m.onnx", records, *module, /*fusionEnabled=*/true);
  ASSERT_EQ(report.nodes.size(), records.size());
  auto node = [&](size_t i) { return report.nodes[i]; };

  EXPECT_EQ(node(0).status, "folded");
  EXPECT_EQ(node(0).reason, "removed or folded into constants");
  // The conv kept its node and absorbed the BatchNorm.
  EXPECT_EQ(node(1).status, "unfused");
  EXPECT_EQ(node(2).status, "folded");
  EXPECT_EQ(node(2).into, "conv");
  // HardSigmoid + Mul became one HardSwish: recognized.
  EXPECT_EQ(node(3).status, "recognized");
  EXPECT_EQ(node(3).into, "nn.hard_swish");
  EXPECT_EQ(node(4).status, "recognized");
  // The group.
  EXPECT_EQ(node(5).status, "fused");
  EXPECT_EQ(node(5).group, 0u);
  EXPECT_EQ(node(5).role, "anchor");
  EXPECT_EQ(node(6).role, "epilogue");
  ASSERT_EQ(report.groups.size(), 1u);
  EXPECT_EQ(report.groups[0].kind, "conv");
  EXPECT_EQ(report.groups[0].anchor, "conv2");
  EXPECT_EQ(report.groups[0].nodes,
            (std::vector<std::string>{"conv2", "relu2"}));
  EXPECT_EQ(getFusionSummary(report),
            "summary: 7 nodes, 1 groups; 2 fused, 2 recognized, 2 folded, 1 "
            "unfused");

  llvm::json::Value json = toJSON(report);
  const llvm::json::Object *object = json.getAsObject();
  ASSERT_TRUE(object);
  EXPECT_EQ(object->getArray("nodes")->size(), records.size());
  EXPECT_EQ(*object->getObject("summary")->getInteger("recognized"), 2);
}

TEST(FusionReportTest, RecordsNodesNotInitializers) {
  DialectRegistry registry;
  registry.insert<func::FuncDialect, nn::NNDialect>();
  MLIRContext context(registry);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(R"mlir(
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %w = nn.constant dense<1.0> : tensor<4xf32> loc("weight")
  %a = nn.add %x, %w : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> loc("add")
  %k = nn.constant dense<2.0> : tensor<4xf32> loc("const_node")
  %m = nn.mul %a, %k : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> loc("mul")
  return %m : tensor<4xf32>
}
)mlir",
                                                             &context);
  ASSERT_TRUE(module);
  std::vector<ONNXNodeRecord> records = recordONNXNodes(*module);
  // The leading constants are initializers; a later one is a Constant node.
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].name, "add");
  EXPECT_EQ(records[0].opType, "Add");
  EXPECT_EQ(records[1].name, "const_node");
  EXPECT_EQ(records[1].opType, "Constant");
  EXPECT_EQ(records[2].opType, "Mul");
}

} // namespace
