//===- DriverTest.cpp - the compile entry point and the target seam -------===//
//
// Part of Tessera. Registers a stand-in back end through the same seam the
// CPU uses and checks what the driver does with it: stage order, --emit of a
// back-end stage, the artifact writer, and the all-at-once report of ops a
// target cannot execute, located at their ONNX nodes.
//
//===----------------------------------------------------------------------===//

#include "tessera/Driver/Driver.h"
#include "tessera/Driver/Target.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "onnx/onnx_pb.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <fstream>

using namespace mlir;
using namespace tessera;

namespace {

/// y = relu(x) + relu(relu(x)), nodes named r1, r2 and s.
std::string writeModel(llvm::StringRef dir) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.add_opset_import()->set_version(17);
  onnx::GraphProto *graph = model.mutable_graph();
  graph->set_name("g");
  auto value = [](onnx::ValueInfoProto *info, const char *name) {
    info->set_name(name);
    auto *tensor = info->mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(onnx::TensorProto::FLOAT);
    tensor->mutable_shape()->add_dim()->set_dim_value(1);
    tensor->mutable_shape()->add_dim()->set_dim_value(4);
  };
  value(graph->add_input(), "x");
  value(graph->add_output(), "y");
  auto node = [&](const char *name, const char *type,
                  std::vector<const char *> inputs, const char *output) {
    onnx::NodeProto *n = graph->add_node();
    n->set_name(name);
    n->set_op_type(type);
    for (const char *input : inputs)
      n->add_input(input);
    n->add_output(output);
  };
  node("r1", "Relu", {"x"}, "a");
  node("r2", "Relu", {"a"}, "b");
  node("s", "Add", {"a", "b"}, "y");
  llvm::SmallString<128> path(dir);
  llvm::sys::path::append(path, "model.onnx");
  std::ofstream os(path.c_str(), std::ios::binary);
  model.SerializeToOstream(&os);
  return std::string(path);
}

/// A back end that executes everything but nn.relu, counts ops in its one
/// stage and writes the count as its artifact.
TargetInfo makeTestTarget(int *artifactsWritten) {
  TargetInfo info;
  info.name = "test";
  info.description = "stand-in back end";
  info.stages.push_back({"count", "counts ops",
                         [](Compilation &) { return success(); },
                         [](Compilation &c, llvm::StringRef path) {
                           int n = 0;
                           c.module.walk([&](Operation *) { ++n; });
                           std::ofstream(path.str()) << "ops " << n << "\n";
                           return success();
                         }});
  info.writeArtifact = [artifactsWritten](Compilation &c, llvm::StringRef dir) {
    ++*artifactsWritten;
    llvm::SmallString<128> path(dir);
    llvm::sys::path::append(path, "inputs.txt");
    std::ofstream(path.c_str()) << c.signature.inputs.size() << "\n";
    return success();
  };
  info.supportsOp = [](Operation *op) {
    return op->getName().getStringRef() != "nn.relu";
  };
  info.takesHardware = true;
  return info;
}

int artifactsWritten = 0;

class DriverTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    registerAllTargets();
    registerTarget(makeTestTarget(&artifactsWritten));
  }
  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("driver-test", dir));
    model = writeModel(dir);
    registerCompilerDialects(registry);
  }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }

  /// Compiles and returns the diagnostics as "node: message" lines.
  std::vector<std::string> compileAndCollect(const CompileOptions &options,
                                             bool &ok) {
    MLIRContext context(registry);
    std::vector<std::string> diagnostics;
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      std::string where;
      if (auto name = dyn_cast<NameLoc>(diag.getLocation()))
        where = name.getName().str();
      diagnostics.push_back(where + ": " + diag.str());
      return success();
    });
    ok = succeeded(compile(options, context));
    return diagnostics;
  }

  llvm::SmallString<128> dir;
  std::string model;
  DialectRegistry registry;
};

TEST_F(DriverTest, RegistryOrderAndStages) {
  ASSERT_NE(getDefaultTarget(), nullptr);
  EXPECT_EQ(getDefaultTarget()->name, "cpu");
  const TargetInfo *cpu = lookupTarget("cpu");
  ASSERT_NE(cpu, nullptr);
  std::vector<std::string> names;
  for (const Stage *stage : getStages(*cpu))
    names.push_back(stage->name);
  EXPECT_EQ(names, (std::vector<std::string>{"nn", "linalg", "llvm", "obj"}));
  EXPECT_EQ(lookupTarget("tpu"), nullptr);
  std::string help = describeTargets();
  EXPECT_LT(help.find("cpu"), help.find("test"));
  EXPECT_NE(help.find("count"), std::string::npos);
}

TEST_F(DriverTest, ValidationNamesWhatIsWrong) {
  CompileOptions options;
  options.inputFile = model;
  options.emitStage = "count";
  EXPECT_EQ(llvm::toString(validateOptions(options)),
            "unknown stage 'count' for the cpu target (stages: nn, linalg, "
            "llvm, obj)");
  options.target = "test";
  EXPECT_FALSE(validateOptions(options));
  options.emitStage = "";
  EXPECT_EQ(llvm::toString(validateOptions(options)),
            "compiling an artifact needs -o DIR");
  options.target = "cpu";
  options.outputPath = dir.str().str();
  options.hardware = "edge";
  EXPECT_EQ(llvm::toString(validateOptions(options)),
            "the cpu target takes no hardware description (--hw)");
  options.hardware = "";
  // The GPU flags need a GPU target; their defaults (sm_90, fp32) pass.
  options.gpu.chip = "sm_80";
  EXPECT_EQ(llvm::toString(validateOptions(options)),
            "--gpu-chip needs --target=gpu or gpu-emulate");
  options.gpu.chip = "sm_90";
  options.gpu.precision = "fp16";
  EXPECT_EQ(llvm::toString(validateOptions(options)),
            "--gpu-precision needs --target=gpu or gpu-emulate");
  options.target = "gpu-emulate";
  EXPECT_FALSE(validateOptions(options));
  options.gpu.precision = "fp32";
  options.target = "tpu";
  EXPECT_EQ(llvm::toString(validateOptions(options)),
            "unknown target 'tpu' (targets: cpu, npu, gpu, gpu-emulate, test)");
}

TEST_F(DriverTest, UnsupportedOpsReportedAtOnceAtTheirNodes) {
  CompileOptions options;
  options.inputFile = model;
  options.target = "test";
  options.outputPath = (dir + "/art").str();
  int before = artifactsWritten;
  bool ok = true;
  std::vector<std::string> diagnostics = compileAndCollect(options, ok);
  EXPECT_FALSE(ok);
  EXPECT_EQ(diagnostics, (std::vector<std::string>{
                             "r1: the test target cannot execute 'nn.relu'",
                             "r2: the test target cannot execute 'nn.relu'"}));
  EXPECT_EQ(artifactsWritten, before);
}

TEST_F(DriverTest, EmitStopsAfterTheSharedStages) {
  CompileOptions options;
  options.inputFile = model;
  options.target = "test";
  options.emitStage = "nn";
  options.outputPath = (dir + "/nn.mlir").str();
  bool ok = false;
  EXPECT_TRUE(compileAndCollect(options, ok).empty());
  EXPECT_TRUE(ok);
  auto text = llvm::MemoryBuffer::getFile(options.outputPath);
  ASSERT_TRUE(bool(text));
  EXPECT_NE((*text)->getBuffer().find("nn.relu"), llvm::StringRef::npos);
}

TEST_F(DriverTest, CPUArtifactAndBackEndStage) {
  CompileOptions options;
  options.inputFile = model;
  options.target = "cpu";
  options.emitStage = "llvm";
  options.outputPath = (dir + "/model.ll.mlir").str();
  bool ok = false;
  EXPECT_TRUE(compileAndCollect(options, ok).empty());
  EXPECT_TRUE(ok);
  auto text = llvm::MemoryBuffer::getFile(options.outputPath);
  ASSERT_TRUE(bool(text));
  EXPECT_NE((*text)->getBuffer().find("llvm.func @tessera_run"),
            llvm::StringRef::npos);
}

} // namespace
