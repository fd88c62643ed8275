//===- CPUTarget.cpp - host CPU artifacts -----------------------------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "tessera/Target/CPU/CPUTarget.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

#include "mlir/Support/FileUtilities.h"

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
      return emitError(main.getLoc()) << "model I/O must be static tensors, got " << type;
    TensorDesc desc;
    auto name = attrs ? attrs.getAs<StringAttr>("nn.name") : StringAttr();
    desc.name = name ? name.str() : fallback.str();
    desc.dtype = getDTypeName(tensor.getElementType());
    if (desc.dtype.empty())
      return emitError(main.getLoc()) << "unsupported I/O element type " << tensor.getElementType();
    desc.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
    out.push_back(std::move(desc));
    return success();
  };
  for (auto [i, type] : llvm::enumerate(main.getArgumentTypes()))
    if (failed(describe(type, main.getArgAttrDict(i), "input" + std::to_string(i),
                        signature.inputs)))
      return failure();
  for (auto [i, type] : llvm::enumerate(main.getResultTypes()))
    if (failed(describe(type, main.getResultAttrDict(i),
                        "output" + std::to_string(i), signature.outputs)))
      return failure();
  return signature;
}

LogicalResult prepareForCABI(ModuleOp module) {
  auto main = module.lookupSymbol<func::FuncOp>("main");
  if (!main || main.isExternal())
    return emitError(module.getLoc()) << "the module has no @main function";
  // The bare-pointer convention has no zero-element memrefs: such an input
  // or output crosses the ABI as one element nobody reads (the caller's
  // buffer must hold one element; see the ABI above).
  auto isEmpty = [](Type type) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    return tensor && tensor.hasStaticShape() && tensor.getNumElements() == 0;
  };
  auto oneElement = [](Type type) {
    return RankedTensorType::get({1}, cast<RankedTensorType>(type).getElementType());
  };
  Block &entry = main.getBody().front();
  OpBuilder b(&entry, entry.begin());
  SmallVector<Type> argTypes(main.getArgumentTypes());
  for (auto [i, arg] : llvm::enumerate(entry.getArguments())) {
    if (!isEmpty(arg.getType()))
      continue;
    auto type = cast<RankedTensorType>(arg.getType());
    Value empty = tensor::EmptyOp::create(b, arg.getLoc(), type.getShape(),
                                          type.getElementType());
    arg.replaceAllUsesWith(empty);
    arg.setType(oneElement(type));
    argTypes[i] = arg.getType();
  }
  Operation *terminator = main.getBody().back().getTerminator();
  b.setInsertionPoint(terminator);
  llvm::SmallPtrSet<Value, 8> seen;
  for (OpOperand &operand : terminator->getOpOperands()) {
    Value v = operand.get();
    if (isEmpty(v.getType())) {
      auto type = oneElement(v.getType());
      operand.set(tensor::EmptyOp::create(b, v.getLoc(), type.getShape(),
                                          type.getElementType()));
      continue;
    }
    if (seen.insert(v).second)
      continue;
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type)
      continue;
    Value empty = tensor::EmptyOp::create(b, v.getLoc(), type.getShape(),
                                          type.getElementType());
    operand.set(linalg::CopyOp::create(b, v.getLoc(), v, empty).getResult(0));
  }
  main.setType(FunctionType::get(module.getContext(), argTypes,
                                 terminator->getOperandTypes()));
  return success();
}

LogicalResult addRunEntryPoint(ModuleOp module, const ModelSignature &signature) {
  auto main = module.lookupSymbol<LLVM::LLVMFuncOp>("main");
  if (!main)
    return emitError(module.getLoc()) << "no lowered @main to wrap";
  unsigned numArgs = signature.inputs.size() + signature.outputs.size();
  if (main.getNumArguments() != numArgs)
    return emitError(main.getLoc())
           << "@main takes " << main.getNumArguments()
           << " arguments, expected one pointer per input and output ("
           << numArgs << ")";
  // The names live in the manifest now; LLVM has no use for them.
  for (unsigned i = 0; i < numArgs; ++i)
    main.removeArgAttr(i, "nn.name");
  MLIRContext *ctx = module.getContext();
  OpBuilder b(ctx);
  b.setInsertionPointToEnd(module.getBody());
  Location loc = main.getLoc();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto i32 = IntegerType::get(ctx, 32);
  auto fnType = LLVM::LLVMFunctionType::get(i32, {ptr, ptr});
  auto run = LLVM::LLVMFuncOp::create(b, loc, "tessera_run", fnType);
  Block *entry = run.addEntryBlock(b);
  b.setInsertionPointToStart(entry);
  SmallVector<Value> args;
  auto load = [&](Value base, int64_t index) {
    Value slot = LLVM::GEPOp::create(b, loc, ptr, ptr, base,
                                     ArrayRef<LLVM::GEPArg>{(int32_t)index});
    args.push_back(LLVM::LoadOp::create(b, loc, ptr, slot));
  };
  for (size_t i = 0; i < signature.inputs.size(); ++i)
    load(entry->getArgument(0), i);
  for (size_t i = 0; i < signature.outputs.size(); ++i)
    load(entry->getArgument(1), i);
  LLVM::CallOp::create(b, loc, main, args);
  Value zero = LLVM::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(0));
  LLVM::ReturnOp::create(b, loc, zero);
  return success();
}

LogicalResult emitHostObject(ModuleOp module, StringRef path, bool llvmIR) {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;
  MLIRContext *ctx = module.getContext();
  registerBuiltinDialectTranslation(*ctx);
  registerLLVMDialectTranslation(*ctx);
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, "tessera_model");
  if (!llvmModule)
    return emitError(module.getLoc()) << "cannot translate the module to LLVM IR";

  std::string triple = llvm::sys::getProcessTriple();
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(llvm::Triple(triple), error);
  if (!target)
    return emitError(module.getLoc()) << "no LLVM target for " << triple << ": " << error;
  std::string cpu = llvm::sys::getHostCPUName().str();
  llvm::SubtargetFeatures features;
  for (auto &feature : llvm::sys::getHostCPUFeatures())
    features.AddFeature(feature.first(), feature.second);
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      llvm::Triple(triple), cpu, features.getString(), options, llvm::Reloc::PIC_,
      std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!machine)
    return emitError(module.getLoc()) << "cannot create a target machine for " << cpu;
  llvmModule->setDataLayout(machine->createDataLayout());
  llvmModule->setTargetTriple(llvm::Triple(triple));
  auto optimize = makeOptimizingTransformer(3, 0, machine.get());
  if (llvm::Error err = optimize(llvmModule.get()))
    return emitError(module.getLoc()) << "LLVM optimization failed: "
                                      << llvm::toString(std::move(err));

  auto output = openOutputFile(path, &error);
  if (!output)
    return emitError(module.getLoc()) << error;
  if (llvmIR) {
    llvmModule->print(output->os(), nullptr);
  } else {
    llvm::legacy::PassManager pm;
    if (machine->addPassesToEmitFile(pm, output->os(), nullptr,
                                     llvm::CodeGenFileType::ObjectFile))
      return emitError(module.getLoc()) << "the target cannot emit object files";
    pm.run(*llvmModule);
  }
  output->keep();
  return success();
}

/// C support linked into every artifact: the `memrefCopy` that MLIR's
/// memref-to-LLVM lowering calls for strided copies (the same contract as
/// libmlir_c_runner_utils, which artifacts must not depend on), and the
/// allocation functions of `finalize-memref-to-llvm{use-generic-functions}`.
///
/// Freed buffers are kept for the next allocation of the same size: every run
/// of a model allocates the same sizes, and handing the intermediate buffers
/// back to the kernel made every run page-fault them in again (glibc serves
/// large blocks with mmap; ~30% of ResNet-50's latency).
static const char *kSupportSource = R"C(
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
typedef struct Block { struct Block *next; size_t size, align; void *base; } Block;
#define kHeader ((size_t)64)
#define kMaxCachedBytes ((size_t)1 << 31)
static Block *cache;
static size_t cachedBytes;
static pthread_mutex_t cacheLock = PTHREAD_MUTEX_INITIALIZER;
static void *takeCached(size_t size, size_t align) {
  void *found = 0;
  pthread_mutex_lock(&cacheLock);
  for (Block **b = &cache; *b; b = &(*b)->next)
    if ((*b)->size == size && (*b)->align == align) {
      Block *hit = *b;
      *b = hit->next;
      cachedBytes -= size;
      found = hit;
      break;
    }
  pthread_mutex_unlock(&cacheLock);
  return found;
}
/* The header sits right before the returned pointer; `align` is a power of
   two, at most kHeader unless the header is padded to it. */
void *_mlir_memref_to_llvm_aligned_alloc(size_t align, size_t size) {
  if (align < 16) align = 16;
  size_t header = align > kHeader ? align : kHeader;
  Block *hit = (Block *)takeCached(size, align);
  if (hit) return (char *)hit + sizeof(Block);
  char *base = (char *)aligned_alloc(header, (header + size + header - 1) / header * header);
  if (!base) return 0;
  Block *b = (Block *)(base + header - sizeof(Block));
  b->size = size; b->align = align; b->base = base; b->next = 0;
  return base + header;
}
void *_mlir_memref_to_llvm_alloc(size_t size) {
  return _mlir_memref_to_llvm_aligned_alloc(64, size);
}
void _mlir_memref_to_llvm_free(void *p) {
  if (!p) return;
  Block *b = (Block *)((char *)p - sizeof(Block));
  pthread_mutex_lock(&cacheLock);
  if (cachedBytes + b->size <= kMaxCachedBytes) {
    b->next = cache;
    cache = b;
    cachedBytes += b->size;
    b = 0;
  }
  pthread_mutex_unlock(&cacheLock);
  if (b) free(b->base);
}
typedef struct { int64_t rank; void *descriptor; } UnrankedMemRef;
typedef struct { char *allocated; char *aligned; int64_t offset; int64_t rest[]; } Desc;
void memrefCopy(int64_t elemSize, UnrankedMemRef *src, UnrankedMemRef *dst) {
  int64_t rank = src->rank;
  Desc *s = (Desc *)src->descriptor, *d = (Desc *)dst->descriptor;
  const int64_t *sizes = s->rest, *sStrides = s->rest + rank, *dStrides = d->rest + rank;
  char *sp = s->aligned + s->offset * elemSize, *dp = d->aligned + d->offset * elemSize;
  if (rank == 0) { memcpy(dp, sp, elemSize); return; }
  for (int64_t i = 0; i < rank; ++i) if (sizes[i] == 0) return;
  int64_t index[64] = {0};
  if (rank > 64) return;
  for (;;) {
    int64_t so = 0, dof = 0;
    for (int64_t i = 0; i < rank; ++i) { so += index[i] * sStrides[i]; dof += index[i] * dStrides[i]; }
    memcpy(dp + dof * elemSize, sp + so * elemSize, elemSize);
    int64_t k = rank - 1;
    while (k >= 0 && ++index[k] == sizes[k]) { index[k] = 0; --k; }
    if (k < 0) return;
  }
}
)C";

LogicalResult linkSharedLibrary(Location loc, StringRef object,
                                StringRef library) {
  llvm::ErrorOr<std::string> cc = llvm::sys::findProgramByName("cc");
  if (!cc)
    return emitError(loc) << "no system C compiler ('cc') to link the shared library";
  SmallString<256> support(object);
  llvm::sys::path::replace_extension(support, "support.c");
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(support, ec);
    if (ec)
      return emitError(loc) << "cannot write " << support << ": " << ec.message();
    os << kSupportSource;
  }
  SmallVector<StringRef> args = {*cc,    "-shared", "-O2", "-fPIC", "-o",
                                 library, object,    support, "-lm"};
  std::string error;
  int rc = llvm::sys::ExecuteAndWait(*cc, args, std::nullopt, {}, 0, 0, &error);
  llvm::sys::fs::remove(support);
  if (rc != 0)
    return emitError(loc) << "linking " << library << " failed (" << rc
                          << "): " << error;
  return success();
}

LogicalResult writeManifest(Location loc, StringRef path,
                            const ModelSignature &signature, StringRef library) {
  auto tensors = [](ArrayRef<TensorDesc> descs) {
    llvm::json::Array array;
    for (const TensorDesc &d : descs) {
      llvm::json::Array shape;
      for (int64_t s : d.shape)
        shape.push_back(s);
      array.push_back(llvm::json::Object{
          {"name", d.name}, {"dtype", d.dtype}, {"shape", std::move(shape)}});
    }
    return array;
  };
  llvm::json::Object manifest{
      {"format", "tessera-artifact"},
      {"format_version", kArtifactFormatVersion},
      {"target", "cpu"},
      {"library", library},
      {"entry", "tessera_run"},
      {"inputs", tensors(signature.inputs)},
      {"outputs", tensors(signature.outputs)},
  };
  std::string error;
  auto output = openOutputFile(path, &error);
  if (!output)
    return emitError(loc) << error;
  output->os() << llvm::formatv("{0:2}", llvm::json::Value(std::move(manifest)))
               << "\n";
  output->keep();
  return success();
}

} // namespace tessera
