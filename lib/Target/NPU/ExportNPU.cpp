//===- ExportNPU.cpp - npu IR <-> NPU programs ----------------------------===//
//
// Part of Tessera. The instruction ops convert through the ISA table
// (NPU/NPUOps.h: toInst/createInstOp); this file adds the program structure:
// tensors, the constant image, layer ranges and the hardware hash.
//
//===----------------------------------------------------------------------===//

#include "tessera/Target/NPU/ExportNPU.h"
#include "NPU/NPUOps.h"
#include "tessera/NPU/Program.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/SourceMgr.h"

#include <algorithm>

using namespace mlir;
using namespace tessera;
using namespace tessera::npu;

namespace {

/// One npu.constant's bytes at its DRAM address.
struct ConstantSegment {
  ConstantOp op;
  int64_t addr;
  SmallVector<uint8_t> bytes;
};

std::optional<ElemType> getElemType(Type type) {
  if (type.isInteger(8))
    return ElemType::I8;
  if (type.isInteger(32))
    return ElemType::I32;
  if (type.isBF16())
    return ElemType::BF16;
  return std::nullopt;
}

void appendLittleEndian(SmallVectorImpl<uint8_t> &bytes, uint64_t value,
                        unsigned count) {
  for (unsigned i = 0; i < count; ++i)
    bytes.push_back(uint8_t(value >> (8 * i)));
}

/// The DRAM image of a constant: its elements little-endian, row-major.
LogicalResult getConstantBytes(ConstantOp op, SmallVectorImpl<uint8_t> &bytes) {
  ElementsAttr value = op.getValue();
  auto type = cast<ShapedType>(value.getType());
  std::optional<ElemType> elem = getElemType(type.getElementType());
  if (!elem)
    return op.emitOpError() << "value must have i8, i32 or bf16 elements";
  unsigned elemBytes = getElemBytes(*elem);
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    if (*elem == ElemType::BF16) {
      for (APFloat v : dense.getValues<APFloat>())
        appendLittleEndian(bytes, v.bitcastToAPInt().getZExtValue(), 2);
      return success();
    }
    for (APInt v : dense.getValues<APInt>())
      appendLittleEndian(bytes, v.getZExtValue(), elemBytes);
    return success();
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return op.emitOpError()
             << "dense resource '" << resource.getRawHandle().getKey()
             << "' has no data";
    ArrayRef<char> data = blob->getData();
    if (int64_t(data.size()) != type.getNumElements() * elemBytes)
      return op.emitOpError()
             << "dense resource '" << resource.getRawHandle().getKey()
             << "' holds " << data.size() << " bytes, the type needs "
             << type.getNumElements() * elemBytes;
    // Resource blobs hold the host's layout, which is little-endian on
    // every machine Tessera builds for.
    bytes.append(data.begin(), data.end());
    return success();
  }
  return op.emitOpError() << "value must be dense or dense_resource";
}

class ProgramExporter {
public:
  explicit ProgramExporter(Program &program) : program(program) {}

  LogicalResult visit(Block &block) {
    for (Operation &op : block) {
      LogicalResult result =
          llvm::TypeSwitch<Operation *, LogicalResult>(&op)
              .Case<TensorOp>(
                  [&](TensorOp tensor) { return addTensor(tensor); })
              .Case<ConstantOp>([&](ConstantOp constant) {
                ConstantSegment segment{constant, constant.getDramAddr(), {}};
                if (failed(getConstantBytes(constant, segment.bytes)))
                  return failure();
                constants.push_back(std::move(segment));
                return success();
              })
              .Case<LayerOp>([&](LayerOp layer) {
                LayerRange range;
                range.name = layer.getName().str();
                range.begin = program.insts.size();
                if (failed(visit(layer.getBody().front())))
                  return failure();
                range.end = program.insts.size();
                program.layers.push_back(std::move(range));
                return success();
              })
              .Case<InstOpInterface>([&](InstOpInterface inst) {
                FailureOr<Inst> converted = toInst(inst);
                if (failed(converted))
                  return failure();
                program.insts.push_back(*converted);
                return success();
              })
              .Case<TileMatmulOp, TileConvOp>([&](Operation *tile) {
                return tile->emitOpError()
                       << "is a macro op: run tessera-npu-expand-tiles "
                          "before translating";
              })
              .Default([&](Operation *other) {
                return other->emitOpError()
                       << "cannot be translated into an NPU program";
              });
      if (failed(result))
        return failure();
    }
    return success();
  }

  /// Merges the constants into one image from the lowest address, zeros in
  /// between (the program verifier has excluded overlaps).
  void finishConstants() {
    if (constants.empty())
      return;
    llvm::sort(constants,
               [](const ConstantSegment &a, const ConstantSegment &b) {
                 return a.addr < b.addr;
               });
    int64_t begin = constants.front().addr;
    int64_t end = begin;
    for (const ConstantSegment &segment : constants)
      end = std::max<int64_t>(end, segment.addr + segment.bytes.size());
    program.constantsAddr = begin;
    program.constants.assign(end - begin, 0);
    for (const ConstantSegment &segment : constants)
      llvm::copy(segment.bytes,
                 program.constants.begin() + (segment.addr - begin));
  }

  /// End of the last tensor or constant in DRAM.
  uint64_t getDataEnd() const {
    uint64_t end = program.constantsAddr + program.constants.size();
    for (const TensorDesc &tensor : program.tensors)
      end = std::max(end, tensor.dramAddr + tensor.bytes());
    return end;
  }

private:
  LogicalResult addTensor(TensorOp op) {
    auto type = cast<RankedTensorType>(op.getType());
    std::optional<ElemType> elem = getElemType(type.getElementType());
    if (!elem)
      return op.emitOpError() << "element type must be i8, i32 or bf16";
    TensorDesc desc;
    desc.name = op.getName().str();
    desc.kind =
        op.getKind() == IOKind::input ? TensorKind::Input : TensorKind::Output;
    desc.type = *elem;
    desc.shape.assign(type.getShape().begin(), type.getShape().end());
    desc.dramAddr = op.getDramAddr();
    program.tensors.push_back(std::move(desc));
    return success();
  }

  Program &program;
  SmallVector<ConstantSegment> constants;
};

} // namespace

FailureOr<Program> tessera::exportNPUProgram(ModuleOp module) {
  ProgramOp programOp;
  WalkResult walk = module.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (auto found = dyn_cast<ProgramOp>(op)) {
      if (programOp) {
        found.emitOpError() << "is a second npu.program: a module translates "
                               "into one NPU program";
        return WalkResult::interrupt();
      }
      programOp = found;
      return WalkResult::skip();
    }
    if (isa<NPUDialect>(op->getDialect())) {
      op->emitOpError() << "is outside an npu.program";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  if (!programOp)
    return module.emitError() << "the module has no npu.program to translate";
  return exportNPUProgramOp(programOp);
}

FailureOr<Program> tessera::exportNPUProgramOp(Operation *op) {
  auto programOp = dyn_cast<ProgramOp>(op);
  if (!programOp)
    return op->emitOpError() << "is not an npu.program";
  Program program;
  // At most one instruction per op: reserved, the instructions are not
  // copied as the vector grows.
  size_t numOps = 0;
  programOp.getBody().walk([&](Operation *) { ++numOps; });
  program.insts.reserve(numOps);
  ProgramExporter exporter(program);
  if (failed(exporter.visit(programOp.getBody().front())))
    return failure();
  exporter.finishConstants();
  program.dramBytes = programOp.getDramBytes() ? *programOp.getDramBytes()
                                               : exporter.getDataEnd();

  HardwareAttr hw = lookupHardware(programOp);
  if (hw)
    program.hwHash = hw.getHash();
  if (std::optional<int64_t> hash = programOp.getHwHash()) {
    if (hw && uint64_t(*hash) != hw.getHash())
      return programOp.emitOpError()
             << "hw_hash " << uint64_t(*hash) << " differs from the hash "
             << hw.getHash() << " of the module's hardware '" << hw.getName()
             << "'";
    program.hwHash = uint64_t(*hash);
  }

  if (llvm::Error error = verifyProgram(program))
    return programOp.emitOpError() << "is not a valid NPU program: "
                                   << llvm::toString(std::move(error));
  return program;
}

OwningOpRef<ModuleOp> tessera::importNPUProgram(const Program &program,
                                                Location loc, StringRef name) {
  MLIRContext *context = loc.getContext();
  context->getOrLoadDialect<NPUDialect>();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  OpBuilder builder = OpBuilder::atBlockEnd(module->getBody());
  auto programOp = ProgramOp::create(builder, loc, name);
  programOp.setDramBytes(program.dramBytes);
  if (program.hwHash)
    programOp.setHwHash(program.hwHash);
  Block &body = programOp.getBody().front();
  builder.setInsertionPointToEnd(&body);

  for (const TensorDesc &tensor : program.tensors) {
    Type elem = builder.getBF16Type();
    if (tensor.type != ElemType::BF16)
      elem = builder.getIntegerType(8 * getElemBytes(tensor.type));
    TensorOp::create(builder, loc,
                     tensor.kind == TensorKind::Input ? IOKind::input
                                                      : IOKind::output,
                     tensor.name, tensor.dramAddr,
                     RankedTensorType::get(tensor.shape, elem));
  }
  if (!program.constants.empty()) {
    auto type = RankedTensorType::get({int64_t(program.constants.size())},
                                      builder.getI8Type());
    auto data =
        ArrayRef<char>(reinterpret_cast<const char *>(program.constants.data()),
                       program.constants.size());
    ConstantOp::create(builder, loc, StringAttr(),
                       builder.getI64IntegerAttr(program.constantsAddr),
                       DenseElementsAttr::getFromRawBuffer(type, data));
  }

  std::vector<LayerRange> layers = program.layers;
  llvm::stable_sort(layers, [](const LayerRange &a, const LayerRange &b) {
    return a.begin < b.begin;
  });
  for (size_t i = 1; i < layers.size(); ++i)
    if (layers[i].begin < layers[i - 1].end) {
      emitError(loc) << "layers '" << layers[i - 1].name << "' and '"
                     << layers[i].name
                     << "' overlap: npu.layer regions cannot nest";
      return nullptr;
    }
  // Instructions outside every layer go straight into the program; a layer
  // opens at its first instruction and closes after its last.
  Block *current = &body;
  size_t nextLayer = 0;
  uint64_t currentEnd = 0;
  auto openLayersAt = [&](uint64_t index) {
    while (current == &body && nextLayer < layers.size() &&
           layers[nextLayer].begin == index) {
      const LayerRange &range = layers[nextLayer++];
      builder.setInsertionPointToEnd(&body);
      auto layer = LayerOp::create(builder, loc, range.name);
      if (range.end == range.begin)
        continue;
      current = &layer.getBody().front();
      currentEnd = range.end;
    }
    builder.setInsertionPointToEnd(current);
  };
  for (uint64_t i = 0; i < program.insts.size(); ++i) {
    if (current != &body && currentEnd == i)
      current = &body;
    openLayersAt(i);
    createInstOp(builder, loc, program.insts[i]);
  }
  current = &body;
  openLayersAt(program.insts.size());
  return module;
}

void tessera::registerNPUExportTranslations() {
  auto registerDialects = [](DialectRegistry &registry) {
    registry.insert<NPUDialect>();
  };
  static TranslateFromMLIRRegistration toBin(
      "npu-to-bin", "translate an npu.program into an NPU binary container",
      [](ModuleOp module, raw_ostream &output) -> LogicalResult {
        FailureOr<Program> program = exportNPUProgram(module);
        if (failed(program))
          return failure();
        std::vector<uint8_t> bytes = encodeProgram(*program);
        output.write(reinterpret_cast<const char *>(bytes.data()),
                     bytes.size());
        return success();
      },
      registerDialects);
  static TranslateFromMLIRRegistration toAsm(
      "npu-to-asm", "translate an npu.program into NPU assembly",
      [](ModuleOp module, raw_ostream &output) -> LogicalResult {
        FailureOr<Program> program = exportNPUProgram(module);
        if (failed(program))
          return failure();
        printAssembly(*program, output);
        return success();
      },
      registerDialects);
  static TranslateToMLIRRegistration import(
      "import-npu", "import an NPU binary container or assembly as npu IR",
      [](llvm::SourceMgr &sourceMgr,
         MLIRContext *context) -> OwningOpRef<Operation *> {
        const llvm::MemoryBuffer *buffer =
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        StringRef bufferName = buffer->getBufferIdentifier();
        llvm::Expected<Program> program =
            readProgram(buffer->getBuffer(), bufferName);
        if (!program) {
          // The ISA library's messages are complete diagnostics already
          // ("<buffer>:<line>:<col>: error: ..."), as its own translations
          // print them.
          llvm::errs() << llvm::toString(program.takeError()) << '\n';
          return nullptr;
        }
        return importNPUProgram(*program,
                                FileLineColLoc::get(context, bufferName, 1, 1));
      },
      registerDialects);
}
