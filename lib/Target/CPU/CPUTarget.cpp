//===- CPUTarget.cpp - host CPU artifacts ---------------------------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "tessera/Target/CPU/CPUTarget.h"
#include "tessera/Target/CPU/TargetCPU.h"

#include "lld/Common/Driver.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

#include <mutex>

#if defined(__linux__)
#include <link.h>
#endif

/// LLD's ELF driver, the only one linked in (liblldELF).
LLD_HAS_DRIVER(elf)

using namespace mlir;

namespace tessera {

LogicalResult emitHostObject(ModuleOp module, StringRef path,
                             const TargetCPU &cpu, bool llvmIR) {
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
    return emitError(module.getLoc())
           << "cannot translate the module to LLVM IR";

  std::string triple = llvm::sys::getProcessTriple();
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(llvm::Triple(triple), error);
  if (!target)
    return emitError(module.getLoc())
           << "no LLVM target for " << triple << ": " << error;
  llvm::TargetOptions options;
  // Global constructors go to .init_array, which the dynamic loader runs (the
  // GPU lowering loads its kernels' modules in constructors); .ctors would
  // need crtbegin.o, which artifacts are not linked with.
  options.UseInitArray = true;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      llvm::Triple(triple), cpu.name, cpu.getFeatureString(), options,
      llvm::Reloc::PIC_, std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!machine)
    return emitError(module.getLoc())
           << "cannot create a target machine for " << cpu.name;
  llvmModule->setDataLayout(machine->createDataLayout());
  llvmModule->setTargetTriple(llvm::Triple(triple));
  auto optimize = makeOptimizingTransformer(3, 0, machine.get());
  if (llvm::Error err = optimize(llvmModule.get()))
    return emitError(module.getLoc())
           << "LLVM optimization failed: " << llvm::toString(std::move(err));

  auto output = openOutputFile(path, &error);
  if (!output)
    return emitError(module.getLoc()) << error;
  if (llvmIR) {
    llvmModule->print(output->os(), nullptr);
  } else {
    llvm::legacy::PassManager pm;
    if (machine->addPassesToEmitFile(pm, output->os(), nullptr,
                                     llvm::CodeGenFileType::ObjectFile))
      return emitError(module.getLoc())
             << "the target cannot emit object files";
    pm.run(*llvmModule);
  }
  output->keep();
  return success();
}

/// The object file of CPURuntimeSupport.c, compiled when Tessera was built
/// (`kRuntimeSupportObject`, see CMakeLists.txt).
#include "CPURuntimeSupport.inc"

/// The C runtime libraries this process runs with (glibc's `libc.so.6`,
/// `libm.so.6` and, before glibc 2.34, `libpthread.so.0` and `libdl.so.2`,
/// which the GPU runtime's dlopen needs there), by absolute path.
/// An artifact is linked against them so that it records them as DT_NEEDED
/// and every symbol it uses is checked at link time, without the
/// development symlinks (`libm.so`, from libc6-dev) that `-lm` would need.
static SmallVector<std::string, 4> findRuntimeLibraries() {
  SmallVector<std::string, 4> found;
#if defined(__linux__)
  dl_iterate_phdr(
      [](struct dl_phdr_info *info, size_t, void *data) {
        auto *found = static_cast<SmallVector<std::string, 4> *>(data);
        StringRef path = info->dlpi_name ? info->dlpi_name : "";
        StringRef name = llvm::sys::path::filename(path);
        if ((name == "libc.so.6" || name == "libm.so.6" ||
             name == "libpthread.so.0" || name == "libdl.so.2") &&
            llvm::sys::path::is_absolute(path) && llvm::sys::fs::exists(path))
          found->push_back(path.str());
        return 0;
      },
      &found);
#endif
  return found;
}

/// Turns what LLD printed into `error` (its first error) and `notes` (every
/// other line), without LLD's `ld.lld: ` and `error: ` prefixes.
static void splitLinkerOutput(StringRef output, std::string &error,
                              SmallVectorImpl<std::string> &notes) {
  SmallVector<StringRef> lines;
  output.split(lines, '\n', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (StringRef line : lines) {
    line = line.rtrim();
    if (line.empty())
      continue;
    line.consume_front("ld.lld: ");
    bool isError = line.consume_front("error: ");
    if (isError && error.empty())
      error = line.str();
    else
      notes.push_back(line.str());
  }
}

/// Writes `bytes` to `path`; an error at `loc` when it cannot.
static LogicalResult writeObjectFile(Location loc, StringRef path,
                                     ArrayRef<uint8_t> bytes) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return emitError(loc) << "cannot write " << path << ": " << ec.message();
  os.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
  os.close();
  if (os.has_error()) {
    os.clear_error();
    llvm::sys::fs::remove(path);
    return emitError(loc) << "cannot write " << path;
  }
  return success();
}

LogicalResult linkSharedLibrary(Location loc, StringRef object,
                                StringRef library,
                                ArrayRef<ArrayRef<uint8_t>> extraObjects) {
  // LLD keeps global state: one link at a time, and none after a link that
  // LLD says left it unusable.
  static std::mutex linkerMutex;
  static bool linkerUnusable = false;
  std::lock_guard<std::mutex> lock(linkerMutex);
  if (linkerUnusable)
    return emitError(loc) << "cannot link " << library
                          << ": the in-process linker failed earlier and "
                             "cannot run again in this process";

  SmallString<256> support(object);
  llvm::sys::path::replace_extension(support, "support.o");
  if (failed(writeObjectFile(loc, support,
                             ArrayRef<uint8_t>(kRuntimeSupportObject,
                                               sizeof(kRuntimeSupportObject)))))
    return failure();
  llvm::FileRemover removeSupport(support);
  // The other targets' runtime objects, linked after the CPU support.
  SmallVector<std::string> extraPaths;
  SmallVector<std::unique_ptr<llvm::FileRemover>> removeExtras;
  for (auto [i, bytes] : llvm::enumerate(extraObjects)) {
    SmallString<256> path(object);
    llvm::sys::path::replace_extension(path, "support" + Twine(i + 1) + ".o");
    if (failed(writeObjectFile(loc, path, bytes)))
      return failure();
    removeExtras.push_back(std::make_unique<llvm::FileRemover>(path));
    extraPaths.push_back(path.str().str());
  }

  std::string objectArg = object.str(), supportArg = support.str().str(),
              libraryArg = library.str();
  SmallVector<std::string, 4> runtimeLibraries = findRuntimeLibraries();
  SmallVector<const char *> args = {"ld.lld",
                                    "-shared",
                                    "-o",
                                    libraryArg.c_str(),
                                    "--eh-frame-hdr",
                                    "--build-id",
                                    "--hash-style=both",
                                    "-z",
                                    "relro",
                                    "-z",
                                    "now",
                                    "-z",
                                    "noexecstack",
                                    objectArg.c_str(),
                                    supportArg.c_str()};
  for (const std::string &path : extraPaths)
    args.push_back(path.c_str());
  auto found = [&](StringRef name) {
    return llvm::any_of(runtimeLibraries, [&](const std::string &path) {
      return llvm::sys::path::filename(path) == name;
    });
  };
  // Every symbol must come from the two objects or these libraries: a missing
  // one is reported here, not when the artifact is loaded. (Without libc and
  // libm in hand, what is left undefined is resolved at load time.)
  if (found("libc.so.6") && found("libm.so.6"))
    args.append({"-z", "defs"});
  args.push_back("--as-needed");
  for (const std::string &path : runtimeLibraries)
    args.push_back(path.c_str());

  std::string out, err;
  llvm::raw_string_ostream outStream(out), errStream(err);
  // Lets LLD's fatal errors unwind back here instead of exiting the process.
  llvm::CrashRecoveryContext::Enable();
  lld::Result result =
      lld::lldMain(args, outStream, errStream, {{lld::Gnu, &lld::elf::link}});
  llvm::CrashRecoveryContext::Disable();
  if (!result.canRunAgain)
    linkerUnusable = true;

  std::string error;
  SmallVector<std::string> notes;
  splitLinkerOutput(err + out, error, notes);
  if (result.retCode == 0) {
    for (const std::string &note : notes)
      emitWarning(loc) << "linking " << library << ": " << note;
    return success();
  }
  InFlightDiagnostic diag = emitError(loc) << "cannot link " << library << ": ";
  if (error.empty())
    diag << "the linker failed (exit code " << result.retCode << ")";
  else
    diag << error;
  for (const std::string &note : notes)
    diag.attachNote() << note;
  return diag;
}

LogicalResult writeManifest(Location loc, StringRef path,
                            const ModelSignature &signature, StringRef library,
                            const TargetCPU &cpu, StringRef target,
                            llvm::json::Object extra) {
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
      {"target", target},
      {"library", library},
      {"entry", "tessera_run"},
      {"inputs", tensors(signature.inputs)},
      {"outputs", tensors(signature.outputs)},
      {"cpu", cpu.toJSON()},
  };
  for (auto &entry : extra)
    manifest[entry.first] = std::move(entry.second);
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
