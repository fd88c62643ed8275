//===- Artifact.cpp - loading and running Tessera artifacts ---------------===//
//
// Part of Tessera. The artifact core: the manifest parsed, the library loaded
// (from the artifact's directory, or from memory through a memfd), tensors
// checked against the declared inputs and outputs, the model run. The C++
// `Artifact` and the C API (CAPI.cpp, tessera/tessera_runtime.h) are its two
// faces. It needs LLVM's support library and the NPU simulator, not MLIR or
// libonnx (the tensor files are Runtime.cpp's).
//
//===----------------------------------------------------------------------===//

#include "tessera/Runtime/NPUDevice.h"
#include "tessera/Runtime/Runtime.h"
#include "tessera/Target/CPU/ArtifactFormat.h"
#include "tessera/Target/GPU/GPUTarget.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <cstring>
#include <dlfcn.h>
#include <elf.h>
#include <sys/mman.h>
#include <unistd.h>

using namespace llvm;

namespace tessera::runtime {

char RuntimeError::ID = 0;

void RuntimeError::log(raw_ostream &os) const { os << message; }

std::error_code RuntimeError::convertToErrorCode() const {
  return inconvertibleErrorCode();
}

Error makeRuntimeError(tessera_status status, const Twine &message) {
  return make_error<RuntimeError>(status, message.str());
}

Error makeUnsupportedHostError(const Twine &message) {
  return makeRuntimeError(TESSERA_ERROR_UNSUPPORTED_HOST, message);
}

tessera_status takeErrorStatus(Error err, std::string &message,
                               tessera_status fallback) {
  tessera_status status = TESSERA_OK;
  message.clear();
  auto append = [&](StringRef text) {
    message += (message.empty() ? "" : "; ") + text.str();
  };
  handleAllErrors(
      std::move(err),
      [&](const RuntimeError &e) {
        if (status == TESSERA_OK)
          status = e.getStatus();
        append(e.getMessage());
      },
      [&](const ErrorInfoBase &e) {
        if (status == TESSERA_OK)
          status = fallback;
        append(e.message());
      });
  return status;
}

static Error fail(tessera_status status, const Twine &message) {
  return makeRuntimeError(status, message);
}

size_t getDTypeSize(StringRef dtype) {
  return StringSwitch<size_t>(dtype)
      .Cases({"float32", "int32", "uint32"}, 4)
      .Cases({"float64", "int64", "uint64"}, 8)
      .Cases({"float16", "bfloat16", "int16", "uint16"}, 2)
      .Cases({"int8", "uint8", "bool"}, 1)
      .Default(0);
}

int64_t HostTensor::numElements() const {
  std::optional<int64_t> n = getNumElements(shape);
  return n ? *n : -1;
}

std::optional<int64_t> getNumElements(ArrayRef<int64_t> shape) {
  if (llvm::any_of(shape, [](int64_t d) { return d < 0; }))
    return std::nullopt;
  // A zero dim makes the tensor empty, however large the others.
  if (llvm::is_contained(shape, 0))
    return 0;
  int64_t n = 1;
  for (int64_t d : shape) {
    std::optional<int64_t> next = checkedMul(n, d);
    if (!next)
      return std::nullopt;
    n = *next;
  }
  return n;
}

std::optional<int64_t> getByteSize(ArrayRef<int64_t> shape, StringRef dtype) {
  std::optional<int64_t> n = getNumElements(shape);
  size_t size = getDTypeSize(dtype);
  if (!n || size == 0)
    return std::nullopt;
  std::optional<int64_t> bytes = checkedMul(*n, (int64_t)size);
  if (!bytes || *bytes > kMaxTensorBytes)
    return std::nullopt;
  return bytes;
}

std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? "," : "") + std::to_string(d);
  return s + "]";
}

//===-- Loading -----------------------------------------------------------===//

/// Owns a loaded artifact library. A gpu artifact's CUDA runtime gives its
/// device memory and modules back first (its destructor cannot: at process
/// exit the driver is gone). `fd`, when not -1, is the memory file the
/// library was loaded from: it stays open while the library is loaded, so
/// that no other library is loaded under the same /proc/self/fd name (the
/// dynamic loader would return this one).
static std::shared_ptr<void> ownLibrary(void *handle, int fd) {
  return std::shared_ptr<void>(handle, [fd](void *h) {
    using ShutdownFn = void (*)();
    if (auto shutdown =
            reinterpret_cast<ShutdownFn>(::dlsym(h, gpu::kGPUShutdownFunction)))
      shutdown();
    ::dlclose(h);
    if (fd >= 0)
      ::close(fd);
  });
}

static bool writeAll(int fd, StringRef bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    bytes = bytes.drop_front(size_t(n));
  }
  return true;
}

/// Checks that `bytes` hold a whole ELF shared library of this host's kind
/// before it is loaded: the loader maps a truncated one and the process dies
/// of SIGBUS when it touches the missing pages.
static Error checkLibrary(StringRef bytes, StringRef name) {
  auto bad = [&](const Twine &why) {
    return fail(TESSERA_ERROR_INVALID_ARTIFACT,
                name + ": not a valid shared library: " + why);
  };
  Elf64_Ehdr header;
  if (bytes.size() < sizeof(header) || !bytes.starts_with(ELFMAG))
    return bad("not an ELF file");
  std::memcpy(&header, bytes.data(), sizeof(header));
  if (header.e_ident[EI_CLASS] != ELFCLASS64 ||
      header.e_ident[EI_DATA] != ELFDATA2LSB || header.e_type != ET_DYN)
    return bad("not a 64-bit little-endian ELF shared object");
#if defined(__x86_64__)
  if (header.e_machine != EM_X86_64)
    return bad("built for ELF machine " + Twine(header.e_machine) +
               ", not x86-64");
#endif
  if (header.e_phentsize != sizeof(Elf64_Phdr) ||
      header.e_phoff > bytes.size() ||
      uint64_t(header.e_phnum) * sizeof(Elf64_Phdr) >
          bytes.size() - header.e_phoff)
    return bad("truncated program headers");
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment;
    std::memcpy(&segment,
                bytes.data() + header.e_phoff + i * sizeof(Elf64_Phdr),
                sizeof(segment));
    if (segment.p_offset > bytes.size() ||
        segment.p_filesz > bytes.size() - segment.p_offset)
      return bad("truncated: segment " + Twine(i) + " ends at byte " +
                 Twine(segment.p_offset + segment.p_filesz) +
                 ", the file has " + Twine(bytes.size()));
  }
  return Error::success();
}

/// Loads the library `bytes` (`name` in errors): from a memory file, else
/// from a temporary file removed once it is loaded.
static Expected<std::shared_ptr<void>> openLibraryBytes(StringRef bytes,
                                                        StringRef name) {
  if (Error err = checkLibrary(bytes, name))
    return std::move(err);
  std::string memfdError;
  int fd = ::memfd_create("tessera-model", MFD_CLOEXEC);
  if (fd >= 0) {
    if (writeAll(fd, bytes)) {
      std::string path = "/proc/self/fd/" + std::to_string(fd);
      if (void *handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL))
        return ownLibrary(handle, fd);
      std::string why = ::dlerror();
      ::close(fd);
      return fail(TESSERA_ERROR_INVALID_ARTIFACT,
                  name + ": cannot load: " + why);
    }
    memfdError = std::string("writing it failed: ") + std::strerror(errno);
    ::close(fd);
  } else {
    memfdError = std::strerror(errno);
  }
  int tempFD;
  SmallString<128> temp;
  if (std::error_code ec =
          sys::fs::createTemporaryFile("tessera-model", "so", tempFD, temp))
    return fail(TESSERA_ERROR_UNSUPPORTED_HOST,
                name +
                    ": cannot hold the library in a memory file "
                    "(memfd_create: " +
                    memfdError + ") nor in a temporary file (" + ec.message() +
                    ")");
  bool written = writeAll(tempFD, bytes);
  std::string writeError = written ? "" : std::strerror(errno);
  ::close(tempFD);
  void *handle =
      written ? ::dlopen(temp.c_str(), RTLD_NOW | RTLD_LOCAL) : nullptr;
  std::string why = handle || !written ? "" : ::dlerror();
  sys::fs::remove(temp);
  if (!written)
    return fail(TESSERA_ERROR_UNSUPPORTED_HOST,
                name + ": cannot write the library to " + temp + ": " +
                    writeError);
  if (!handle)
    return fail(TESSERA_ERROR_INVALID_ARTIFACT, name + ": cannot load: " + why);
  return ownLibrary(handle, -1);
}

Expected<Artifact> Artifact::load(StringRef dir) {
  SmallString<256> manifestPath(dir);
  sys::path::append(manifestPath, "manifest.json");
  auto buffer = MemoryBuffer::getFile(manifestPath);
  if (!buffer)
    return fail(buffer.getError() == std::errc::no_such_file_or_directory ||
                        buffer.getError() == std::errc::not_a_directory
                    ? TESSERA_ERROR_NOT_FOUND
                    : TESSERA_ERROR_INVALID_ARTIFACT,
                manifestPath + ": cannot read: " + buffer.getError().message() +
                    " (is '" + dir +
                    "' an artifact of tessera-compile --target=cpu?)");
  auto openLibrary = [&](StringRef library,
                         bool privateCopy) -> Expected<std::shared_ptr<void>> {
    SmallString<256> path(dir);
    sys::path::append(path, library);
    if (!sys::fs::exists(path))
      return fail(TESSERA_ERROR_NOT_FOUND,
                  path + ": cannot load: No such file or directory");
    auto file = MemoryBuffer::getFile(path, /*IsText=*/false,
                                      /*RequiresNullTerminator=*/false);
    if (!file)
      return fail(TESSERA_ERROR_INVALID_ARTIFACT,
                  path + ": cannot read: " + file.getError().message());
    if (Error err = checkLibrary((*file)->getBuffer(), path))
      return std::move(err);
    // A library already loaded from this path would be shared with the
    // artifact that loaded it, and with it the device an npu artifact's
    // library points at and a gpu artifact's CUDA runtime: a second load of
    // such an artifact loads a copy of its own. The lock keeps two loads
    // from both finding none.
    static std::mutex loading;
    std::unique_lock<std::mutex> lock(loading, std::defer_lock);
    if (privateCopy) {
      lock.lock();
      if (void *loaded = ::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD)) {
        ::dlclose(loaded);
        return openLibraryBytes((*file)->getBuffer(), path);
      }
    }
    void *handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle)
      return fail(TESSERA_ERROR_INVALID_ARTIFACT,
                  path + ": cannot load: " + ::dlerror());
    return ownLibrary(handle, -1);
  };
  return loadManifest((*buffer)->getBuffer(), dir, manifestPath, openLibrary);
}

Expected<Artifact> Artifact::loadFromMemory(StringRef manifest,
                                            StringRef library) {
  auto openLibrary = [&](StringRef name,
                         bool) -> Expected<std::shared_ptr<void>> {
    return openLibraryBytes(library, "<memory>/" + name.str());
  };
  return loadManifest(manifest, "<memory>", "<memory>/manifest.json",
                      openLibrary);
}

Expected<Artifact> Artifact::loadManifest(
    StringRef text, StringRef dir, StringRef where,
    function_ref<Expected<std::shared_ptr<void>>(StringRef, bool)>
        openLibrary) {
  auto bad = [&](const Twine &why) {
    return fail(TESSERA_ERROR_INVALID_ARTIFACT, where + ": " + why);
  };
  Expected<json::Value> parsed = json::parse(text);
  if (!parsed)
    return bad("invalid JSON: " + toString(parsed.takeError()));
  const json::Object *root = parsed->getAsObject();
  if (!root || root->getString("format") != StringRef("tessera-artifact"))
    return bad("not a Tessera artifact manifest");
  std::optional<int64_t> version = root->getInteger("format_version");
  if (version != kArtifactFormatVersion)
    return fail(TESSERA_ERROR_VERSION_MISMATCH,
                where + ": artifact format version " +
                    (version ? Twine(*version) : Twine("(none)")) +
                    ", but this Tessera runtime reads version " +
                    Twine(kArtifactFormatVersion) + "; recompile the model");
  Artifact artifact;
  auto specs = [&](StringRef key, SmallVectorImpl<TensorSpec> &out) -> Error {
    const json::Array *array = root->getArray(key);
    if (!array)
      return bad("missing '" + key + "'");
    for (const json::Value &v : *array) {
      const json::Object *o = v.getAsObject();
      const json::Array *shape = o ? o->getArray("shape") : nullptr;
      if (!o || !o->getString("name") || !o->getString("dtype") || !shape)
        return bad("malformed entry in '" + key + "'");
      TensorSpec spec;
      spec.name = o->getString("name")->str();
      spec.dtype = o->getString("dtype")->str();
      if (shape->size() > kMaxTensorRank)
        return bad("'" + spec.name + "' in '" + key + "' has rank " +
                   Twine(shape->size()) + ", more than the supported " +
                   Twine(kMaxTensorRank));
      for (const json::Value &d : *shape) {
        std::optional<int64_t> dim = d.getAsInteger();
        if (!dim || *dim < 0)
          return bad("'" + spec.name + "' in '" + key +
                     "' has a dimension that is not a non-negative integer");
        spec.shape.push_back(*dim);
      }
      // Everything the runtime allocates from a spec is checked here, once.
      if (getDTypeSize(spec.dtype) == 0)
        return bad("'" + spec.name + "' in '" + key +
                   "' has unsupported dtype '" + spec.dtype + "'");
      if (!getByteSize(spec.shape, spec.dtype))
        return bad("'" + spec.name + "' in '" + key + "' (" + spec.dtype + " " +
                   shapeString(spec.shape) + ") is too large (more than " +
                   Twine(kMaxTensorBytes) + " bytes)");
      out.push_back(std::move(spec));
    }
    return Error::success();
  };
  if (Error err = specs("inputs", artifact.inputs))
    return std::move(err);
  if (Error err = specs("outputs", artifact.outputs))
    return std::move(err);
  std::optional<StringRef> library = root->getString("library");
  if (!library)
    return bad("missing 'library'");
  artifact.target = root->getString("target").value_or("cpu").str();
  const json::Object *npuSection = root->getObject("npu");
  bool isGPU = artifact.target == "gpu";
  Expected<std::shared_ptr<void>> handle =
      openLibrary(*library, npuSection || isGPU);
  if (!handle)
    return handle.takeError();
  artifact.handle = std::move(*handle);
  SmallString<256> libraryPath(dir);
  sys::path::append(libraryPath, *library);
  // The device of an npu artifact, and the launch status its library keeps,
  // and a gpu artifact's CUDA runtime are used by one run at a time.
  if (npuSection || isGPU)
    artifact.runLock = std::make_shared<std::mutex>();
  if (npuSection) {
    Expected<std::unique_ptr<NPUDevice>> device =
        NPUDevice::create(*npuSection, where);
    if (!device)
      return bad(toString(device.takeError()));
    using SetDeviceFn = void (*)(decltype(&launchOnNPUDevice), void *);
    auto setDevice = reinterpret_cast<SetDeviceFn>(
        ::dlsym(artifact.handle.get(), "tessera_npu_set_device"));
    if (!setDevice)
      return fail(TESSERA_ERROR_INVALID_ARTIFACT,
                  libraryPath +
                      ": an npu artifact without 'tessera_npu_set_device'");
    artifact.npu = std::move(*device);
    setDevice(launchOnNPUDevice, artifact.npu.get());
  }
  if (isGPU)
    if (Error err = artifact.startGPU(dir, libraryPath))
      return std::move(err);
  std::string entry = root->getString("entry").value_or("tessera_run").str();
  artifact.entry =
      reinterpret_cast<EntryFn>(::dlsym(artifact.handle.get(), entry.c_str()));
  if (!artifact.entry)
    return fail(TESSERA_ERROR_INVALID_ARTIFACT,
                libraryPath + ": no entry point '" + entry + "'");
  return artifact;
}

Error Artifact::startGPU(StringRef dir, StringRef libraryPath) {
  void *library = handle.get();
  auto gpuFunctions = std::make_shared<GPUFunctions>();
  int32_t (*init)() = nullptr;
  auto find = [&](const char *name, auto &function) -> Error {
    function = reinterpret_cast<std::remove_reference_t<decltype(function)>>(
        ::dlsym(library, name));
    if (!function)
      return fail(TESSERA_ERROR_INVALID_ARTIFACT,
                  libraryPath + ": a gpu artifact without '" + name + "'");
    return Error::success();
  };
  if (Error err = find(gpu::kGPUInitFunction, init))
    return err;
  if (Error err = find(gpu::kGPUErrorFunction, gpuFunctions->error))
    return err;
  if (Error err = find(gpu::kGPUClearErrorFunction, gpuFunctions->clearError))
    return err;
  if (Error err =
          find(gpu::kGPUSetProfilingFunction, gpuFunctions->setProfiling))
    return err;
  if (Error err = find(gpu::kGPUProfileFunction, gpuFunctions->profileJSON))
    return err;
  // Loading the library may have started the runtime already (the modules
  // are loaded by constructors): init then reports what that found.
  int32_t status = init();
  if (status != 0) {
    std::string message = gpuFunctions->error();
    gpuFunctions->clearError();
    if (status == gpu::kGPUNoDriver || status == gpu::kGPUNoDevice)
      return fail(TESSERA_ERROR_UNSUPPORTED_HOST,
                  "artifact " + dir + " needs an NVIDIA GPU: " + message);
    return fail(TESSERA_ERROR_RUN_FAILED,
                "artifact " + dir + ": the GPU runtime failed: " + message);
  }
  gpu = std::move(gpuFunctions);
  return Error::success();
}

void Artifact::setGPUProfiling(bool on) const {
  if (!gpu)
    return;
  std::lock_guard<std::mutex> lock(*runLock);
  gpu->setProfiling(on ? 1 : 0);
}

std::string Artifact::getGPUProfileJSON() const {
  if (!gpu)
    return "[]";
  std::lock_guard<std::mutex> lock(*runLock);
  return gpu->profileJSON();
}

//===-- Running -----------------------------------------------------------===//

Error Artifact::checkInput(size_t index, StringRef dtype,
                           ArrayRef<int64_t> shape, uint64_t byteSize) const {
  const TensorSpec &spec = inputs[index];
  if (dtype != spec.dtype || shape != ArrayRef<int64_t>(spec.shape))
    return fail(dtype != spec.dtype ? TESSERA_ERROR_DTYPE_MISMATCH
                                    : TESSERA_ERROR_SHAPE_MISMATCH,
                "input '" + spec.name + "' (#" + Twine(index) + ") is " +
                    dtype + " " + shapeString(shape) +
                    ", but the model expects " + spec.dtype + " " +
                    shapeString(spec.shape));
  int64_t expected = *getByteSize(spec.shape, spec.dtype);
  if (byteSize != uint64_t(expected))
    return fail(TESSERA_ERROR_BUFFER_SIZE,
                "input '" + spec.name + "' (#" + Twine(index) + ") holds " +
                    Twine(byteSize) + " data bytes, expected " +
                    Twine(expected));
  return Error::success();
}

Error Artifact::checkOutput(size_t index, StringRef dtype,
                            std::optional<ArrayRef<int64_t>> shape,
                            uint64_t byteSize) const {
  const TensorSpec &spec = outputs[index];
  std::string what =
                  "output '" + spec.name + "' (#" + std::to_string(index) + ")",
              declared = spec.dtype + " " + shapeString(spec.shape);
  if (dtype != spec.dtype)
    return fail(TESSERA_ERROR_DTYPE_MISMATCH,
                what + " is given a buffer of " + dtype +
                    ", but the model's output is " + declared);
  if (shape && *shape != ArrayRef<int64_t>(spec.shape))
    return fail(TESSERA_ERROR_SHAPE_MISMATCH,
                what + " is given a buffer of shape " + shapeString(*shape) +
                    ", but the model's output is " + declared);
  int64_t expected = *getByteSize(spec.shape, spec.dtype);
  if (byteSize < uint64_t(expected))
    return fail(TESSERA_ERROR_BUFFER_SIZE,
                what + " is given a buffer of " + Twine(byteSize) +
                    " bytes, but the model's output (" + declared + ") needs " +
                    Twine(expected));
  return Error::success();
}

Error Artifact::runBuffers(ArrayRef<const void *> given,
                           ArrayRef<void *> results) const {
  if (given.size() != inputs.size() || results.size() != outputs.size())
    return fail(TESSERA_ERROR_INVALID_ARGUMENT,
                "the model takes " + Twine(inputs.size()) + " inputs and " +
                    Twine(outputs.size()) + " outputs, got " +
                    Twine(given.size()) + " and " + Twine(results.size()));
  // The ABI passes empty tensors as one element: those of empty inputs are
  // never read, those of empty outputs are scratch.
  static const uint64_t kEmpty[2] = {};
  SmallVector<uint64_t, 16> scratch(2 * outputs.size(), 0);
  SmallVector<void *> inPtrs, outPtrs;
  for (auto [spec, data] : llvm::zip(inputs, given))
    inPtrs.push_back(
        const_cast<void *>(getByteSize(spec.shape, spec.dtype) == 0 || !data
                               ? static_cast<const void *>(kEmpty)
                               : data));
  for (auto [i, spec, data] : llvm::enumerate(outputs, results))
    outPtrs.push_back(getByteSize(spec.shape, spec.dtype) == 0 || !data
                          ? static_cast<void *>(&scratch[2 * i])
                          : data);
  std::unique_lock<std::mutex> lock;
  if (runLock)
    lock = std::unique_lock<std::mutex>(*runLock);
  int32_t rc = entry(inPtrs.data(), outPtrs.data());
  if (rc == 0)
    return Error::success();
  std::string npuError = npu ? npu->takeError() : "";
  if (!npuError.empty())
    return fail(TESSERA_ERROR_RUN_FAILED, npuError);
  // The CUDA runtime's first failure; forgotten so that a later run may
  // try again (a failure that poisons the context fails that one too).
  std::string gpuError = gpu ? gpu->error() : "";
  if (gpu)
    gpu->clearError();
  if (!gpuError.empty())
    return fail(TESSERA_ERROR_RUN_FAILED, gpuError);
  return fail(TESSERA_ERROR_RUN_FAILED,
              "the model returned error code " + Twine(rc));
}

Expected<std::vector<HostTensor>>
Artifact::run(ArrayRef<const HostTensor *> given) const {
  if (given.size() != inputs.size())
    return fail(TESSERA_ERROR_INVALID_ARGUMENT,
                "the model takes " + Twine(inputs.size()) + " inputs, got " +
                    Twine(given.size()));
  SmallVector<const void *> inPtrs;
  SmallVector<void *> outPtrs;
  for (auto [i, tensor] : llvm::enumerate(given)) {
    if (Error err =
            checkInput(i, tensor->dtype, tensor->shape, tensor->data.size()))
      return std::move(err);
    inPtrs.push_back(tensor->data.data());
  }
  std::vector<HostTensor> results;
  results.reserve(outputs.size());
  for (const TensorSpec &spec : outputs) {
    HostTensor t;
    t.name = spec.name;
    t.dtype = spec.dtype;
    t.shape = spec.shape;
    t.data.assign(*getByteSize(spec.shape, spec.dtype), 0);
    results.push_back(std::move(t));
  }
  for (HostTensor &t : results)
    outPtrs.push_back(t.data.data());
  if (Error err = runBuffers(inPtrs, outPtrs))
    return std::move(err);
  return results;
}

} // namespace tessera::runtime
