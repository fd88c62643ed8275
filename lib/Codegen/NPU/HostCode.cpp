//===- HostCode.cpp - the host side of npu-target artifacts ---------------===//
//
// Part of Tessera. See tessera/Codegen/NPU/HostCode.h; the runtime side is
// lib/Runtime/NPUDevice.cpp.
//
//===----------------------------------------------------------------------===//

#include "tessera/Codegen/NPU/HostCode.h"
#include "NPU/NPUOps.h"
#include "tessera/Target/NPU/ExportNPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Threading.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace tessera {

static constexpr StringLiteral kLaunchFunction = "tessera_npu_launch";

/// A discardable attribute as JSON (strings, integers, floats), or null.
static llvm::json::Value toJSON(Attribute attr) {
  if (auto s = dyn_cast_or_null<StringAttr>(attr))
    return s.str();
  if (auto i = dyn_cast_or_null<IntegerAttr>(attr))
    return i.getValue().getSExtValue();
  if (auto f = dyn_cast_or_null<FloatAttr>(attr))
    return f.getValueAsDouble();
  return nullptr;
}

FailureOr<std::vector<NPUProgramInfo>> translateNPUPrograms(ModuleOp module) {
  // The programs translate on their own (reading the IR only), in parallel;
  // the results and diagnostics keep the module order.
  SmallVector<npu::ProgramOp> programOps(module.getOps<npu::ProgramOp>());
  std::vector<FailureOr<npu::Program>> translated(programOps.size(), failure());
  if (failed(failableParallelForEachN(
          module.getContext(), 0, programOps.size(), [&](size_t i) {
            translated[i] = exportNPUProgramOp(programOps[i]);
            return success(succeeded(translated[i]));
          })))
    return failure();
  std::vector<NPUProgramInfo> programs;
  for (auto [programOp, program] : llvm::zip_equal(programOps, translated)) {
    NPUProgramInfo info;
    info.name = programOp.getSymName().str();
    llvm::json::Array layers;
    for (auto layer : programOp.getBody().getOps<npu::LayerOp>()) {
      llvm::json::Object entry{{"name", layer.getName()}};
      for (StringRef key :
           {"tiling", "predicted_cycles", "predicted_dram_bytes", "macs",
            "bound", "predicted_energy_pj"})
        if (Attribute value = layer->getAttr(key))
          entry[key] = toJSON(value);
      layers.push_back(std::move(entry));
    }
    info.manifest = llvm::json::Object{
        {"name", info.name},
        {"instructions", int64_t(program->insts.size())},
        {"constant_bytes", int64_t(program->constants.size())},
        {"dram_bytes", int64_t(program->dramBytes)},
        {"layers", std::move(layers)}};
    info.program = std::move(*program);
    programs.push_back(std::move(info));
  }
  return programs;
}

std::string getONNXNodeNames(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc)) {
    SmallVector<std::string> names;
    for (Location part : fused.getLocations()) {
      std::string name = getONNXNodeNames(part);
      if (!name.empty() && !llvm::is_contained(names, name))
        names.push_back(name);
    }
    return llvm::join(names, "+");
  }
  return "";
}

llvm::json::Array collectHostPlacement(ModuleOp module) {
  llvm::json::Array host;
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!main)
    return host;
  main.walk([&](Operation *op) {
    auto place = op->getAttrOfType<StringAttr>("npu.place");
    if (!place || place.getValue() != "host")
      return;
    llvm::json::Object entry{{"name", getONNXNodeNames(op->getLoc())},
                             {"op", op->getName().getStringRef()}};
    if (auto reason = op->getAttrOfType<StringAttr>("npu.reason"))
      entry["reason"] = reason.str();
    host.push_back(std::move(entry));
  });
  return host;
}

LogicalResult lowerNPULaunches(ModuleOp module,
                               ArrayRef<NPUProgramInfo> programs) {
  MLIRContext *ctx = module.getContext();
  ctx->loadDialect<arith::ArithDialect, bufferization::BufferizationDialect,
                   func::FuncDialect, memref::MemRefDialect>();
  OpBuilder b(ctx);
  Location loc = module.getLoc();
  Type i8 = b.getI8Type(), i64 = b.getI64Type(), index = b.getIndexType();

  // The binaries, as constant globals (one per program).
  llvm::StringMap<std::pair<int64_t, memref::GlobalOp>> globals;
  b.setInsertionPointToStart(module.getBody());
  std::vector<std::vector<uint8_t>> binaries(programs.size());
  parallelFor(module.getContext(), 0, programs.size(), [&](size_t i) {
    binaries[i] = encodeProgram(programs[i].program);
  });
  for (auto [i, info] : llvm::enumerate(programs)) {
    const std::vector<uint8_t> &bytes = binaries[i];
    auto tensorType = RankedTensorType::get({int64_t(bytes.size())}, i8);
    auto value = DenseElementsAttr::getFromRawBuffer(
        tensorType, ArrayRef<char>(reinterpret_cast<const char *>(bytes.data()),
                                   bytes.size()));
    auto global = memref::GlobalOp::create(
        b, loc, "__tessera_npu_" + info.name, b.getStringAttr("private"),
        MemRefType::get({int64_t(bytes.size())}, i8), value,
        /*constant=*/true, b.getI64IntegerAttr(64));
    globals[info.name] = std::make_pair(int64_t(i), global);
  }
  auto launchType = b.getFunctionType({i64, index, i64, index, index}, {});
  if (!module.lookupSymbol(kLaunchFunction)) {
    auto decl = func::FuncOp::create(b, loc, kLaunchFunction, launchType);
    decl.setPrivate();
  }

  SmallVector<npu::LaunchOp> launches;
  module.walk([&](npu::LaunchOp launch) { launches.push_back(launch); });
  for (npu::LaunchOp launch : launches) {
    auto found = globals.find(launch.getProgram());
    if (found == globals.end())
      return launch.emitOpError()
             << "launches @" << launch.getProgram()
             << ", which is not an npu.program of the module";
    auto [programIndex, global] = found->second;
    Location at = launch.getLoc();
    b.setInsertionPoint(launch);
    auto pointerArray = [&](ArrayRef<Value> buffers) {
      auto type =
          MemRefType::get({std::max<int64_t>(buffers.size(), 1)}, index);
      Value array = memref::AllocaOp::create(b, at, type);
      for (auto [k, buffer] : llvm::enumerate(buffers)) {
        Value pointer = memref::ExtractAlignedPointerAsIndexOp::create(
            b, at, index, buffer);
        Value slot = arith::ConstantIndexOp::create(b, at, k);
        memref::StoreOp::create(b, at, pointer, array, slot);
      }
      return memref::ExtractAlignedPointerAsIndexOp::create(b, at, index, array)
          .getResult();
    };
    SmallVector<Value> inputs, outputs;
    for (Value operand : launch.getInputs()) {
      auto type = cast<RankedTensorType>(operand.getType());
      auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
      inputs.push_back(bufferization::ToBufferOp::create(
          b, at, memrefType, operand, b.getUnitAttr()));
    }
    for (Type result : launch.getResultTypes()) {
      auto type = cast<RankedTensorType>(result);
      outputs.push_back(memref::AllocOp::create(
          b, at, MemRefType::get(type.getShape(), type.getElementType()),
          b.getI64IntegerAttr(64)));
    }
    Value inputArray = pointerArray(inputs);
    Value outputArray = pointerArray(outputs);
    Value bytes = memref::ExtractAlignedPointerAsIndexOp::create(
        b, at, index,
        memref::GetGlobalOp::create(b, at, global.getType(),
                                    global.getSymName()));
    Value programArg = arith::ConstantIntOp::create(b, at, i64, programIndex);
    Value sizeArg = arith::ConstantIntOp::create(
        b, at, i64, global.getType().getNumElements());
    func::CallOp::create(
        b, at, kLaunchFunction, TypeRange(),
        ValueRange{programArg, bytes, sizeArg, inputArray, outputArray});
    SmallVector<Value> results;
    for (auto [buffer, result] : llvm::zip(outputs, launch.getResultTypes()))
      results.push_back(bufferization::ToTensorOp::create(
          b, at, result, buffer, /*restrict=*/true, /*writable=*/true));
    launch.replaceAllUsesWith(results);
    launch.erase();
  }

  for (auto programOp :
       llvm::make_early_inc_range(module.getOps<npu::ProgramOp>()))
    programOp.erase();
  module->removeAttr(npu::NPUDialect::kHardwareAttrName);
  return success();
}

} // namespace tessera
