//===- Runtime.cpp - loading and running Tessera artifacts ----------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "tessera/Runtime/Runtime.h"
#include "tessera/Runtime/HostCPU.h"
#include "tessera/Runtime/NPUDevice.h"
#include "tessera/Target/CPU/CPUTarget.h"
#include "tessera/Target/GPU/GPUTarget.h"
#include "tessera/Target/ONNX/TensorProto.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "onnx/onnx_pb.h"

#include <climits>
#include <cstring>
#include <dlfcn.h>

using namespace llvm;

namespace tessera::runtime {

static Error fail(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
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

static float halfToFloat(uint16_t h, bool bf16) {
  uint32_t bits;
  if (bf16) {
    bits = (uint32_t)h << 16;
  } else {
    uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f,
             man = h & 0x3ff;
    if (exp == 0) {
      if (man == 0) {
        bits = sign;
      } else {
        int e = -1;
        do {
          ++e;
          man <<= 1;
        } while (!(man & 0x400));
        bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ff) << 13);
      }
    } else if (exp == 31) {
      bits = sign | 0x7f800000u | (man << 13);
    } else {
      bits = sign | ((exp - 15 + 127) << 23) | (man << 13);
    }
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

double HostTensor::getAsDouble(int64_t i) const {
  const char *p = data.data() + i * getDTypeSize(dtype);
  auto read = [&](auto v) {
    std::memcpy(&v, p, sizeof(v));
    return (double)v;
  };
  if (dtype == "float32")
    return read(float());
  if (dtype == "float64")
    return read(double());
  if (dtype == "int64")
    return read(int64_t());
  if (dtype == "int32")
    return read(int32_t());
  if (dtype == "int16")
    return read(int16_t());
  if (dtype == "int8")
    return read(int8_t());
  if (dtype == "uint64")
    return read(uint64_t());
  if (dtype == "uint32")
    return read(uint32_t());
  if (dtype == "uint16")
    return read(uint16_t());
  if (dtype == "uint8" || dtype == "bool")
    return read(uint8_t());
  if (dtype == "float16" || dtype == "bfloat16") {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return halfToFloat(h, dtype == "bfloat16");
  }
  return 0;
}

std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? "," : "") + std::to_string(d);
  return s + "]";
}

static StringRef npyDescr(StringRef dtype) {
  return StringSwitch<StringRef>(dtype)
      .Case("float32", "<f4")
      .Case("float64", "<f8")
      .Case("float16", "<f2")
      .Case("int8", "|i1")
      .Case("int16", "<i2")
      .Case("int32", "<i4")
      .Case("int64", "<i8")
      .Case("uint8", "|u1")
      .Case("uint16", "<u2")
      .Case("uint32", "<u4")
      .Case("uint64", "<u8")
      .Case("bool", "|b1")
      .Default("");
}

Expected<HostTensor> readNpy(StringRef path) {
  auto buffer = MemoryBuffer::getFile(path);
  if (!buffer)
    return fail(path + ": cannot read: " + buffer.getError().message());
  StringRef bytes = (*buffer)->getBuffer();
  auto bad = [&](const Twine &why) {
    return fail(path + ": not a valid .npy file: " + why);
  };
  if (bytes.size() < 10 || !bytes.starts_with("\x93NUMPY"))
    return bad("bad magic");
  uint8_t major = bytes[6];
  size_t headerLen, offset;
  if (major == 1) {
    headerLen = (uint8_t)bytes[8] | ((uint8_t)bytes[9] << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return bad("truncated header");
    headerLen = (uint8_t)bytes[8] | ((uint8_t)bytes[9] << 8) |
                ((uint8_t)bytes[10] << 16) | ((size_t)(uint8_t)bytes[11] << 24);
    offset = 12;
  } else {
    return bad("unsupported version " + Twine(major));
  }
  if (offset + headerLen > bytes.size())
    return bad("truncated header");
  StringRef header = bytes.substr(offset, headerLen);
  auto field = [&](StringRef key) -> StringRef {
    size_t at = header.find("'" + key.str() + "'");
    if (at == StringRef::npos)
      return "";
    StringRef rest = header.substr(at + key.size() + 2).ltrim(" :");
    if (rest.starts_with("'"))
      return rest.drop_front().take_until([](char c) { return c == '\''; });
    if (rest.starts_with("("))
      return rest.drop_front().take_until([](char c) { return c == ')'; });
    return rest.take_until([](char c) { return c == ',' || c == '}'; }).trim();
  };
  HostTensor t;
  StringRef descr = field("descr");
  for (StringRef d : {"float32", "float64", "float16", "int8", "int16", "int32",
                      "int64", "uint8", "uint16", "uint32", "uint64", "bool"})
    if (npyDescr(d) == descr ||
        (descr.size() == 3 && npyDescr(d).drop_front() == descr.drop_front() &&
         (descr[0] == '<' || descr[0] == '|' || descr[0] == '=')))
      t.dtype = d.str();
  if (t.dtype.empty())
    return bad("unsupported dtype '" + descr + "'");
  if (field("fortran_order") == "True")
    return bad("Fortran order is not supported");
  SmallVector<StringRef> dims;
  field("shape").split(dims, ',', -1, /*KeepEmpty=*/false);
  // "(2, 3, )" ends in a blank entry.
  llvm::erase_if(dims, [](StringRef d) { return d.trim().empty(); });
  if (dims.size() > kMaxTensorRank)
    return bad("rank " + Twine(dims.size()) + " is more than the supported " +
               Twine(kMaxTensorRank));
  for (StringRef d : dims) {
    int64_t v;
    if (d.trim().getAsInteger(10, v) || v < 0)
      return bad("bad shape");
    t.shape.push_back(v);
  }
  // The header's shape is checked against the file's size before anything is
  // allocated from it.
  std::optional<int64_t> size = getByteSize(t.shape, t.dtype);
  if (!size)
    return bad("shape " + shapeString(t.shape) + " of " + t.dtype +
               " is too large (more than " + Twine(kMaxTensorBytes) +
               " bytes)");
  if (bytes.size() - offset - headerLen != (uint64_t)*size)
    return bad("holds " + Twine(bytes.size() - offset - headerLen) +
               " data bytes, expected " + Twine(*size));
  const char *data = bytes.data() + offset + headerLen;
  t.data.assign(data, data + *size);
  return t;
}

Error writeNpy(StringRef path, const HostTensor &tensor) {
  std::string shape;
  for (int64_t d : tensor.shape)
    shape += std::to_string(d) + ", ";
  if (tensor.shape.size() > 1)
    shape.resize(shape.size() - 1);
  // numpy has no bfloat16: its bit patterns are written as uint16.
  StringRef descr = tensor.dtype == "bfloat16" ? "<u2" : npyDescr(tensor.dtype);
  if (descr.empty())
    return fail(path + ": cannot write " + tensor.dtype + " as .npy");
  std::string header = "{'descr': '" + descr.str() +
                       "', 'fortran_order': False, 'shape': (" + shape + "), }";
  while ((10 + header.size() + 1) % 64)
    header += ' ';
  header += '\n';
  std::error_code ec;
  raw_fd_ostream os(path, ec);
  if (ec)
    return fail(path + ": cannot write: " + ec.message());
  os << "\x93NUMPY" << '\x01' << '\x00';
  os << (char)(header.size() & 0xff) << (char)(header.size() >> 8) << header;
  os.write(tensor.data.data(), tensor.data.size());
  return Error::success();
}

Expected<HostTensor> readTensorProto(StringRef path) {
  auto buffer = MemoryBuffer::getFile(path);
  if (!buffer)
    return fail(path + ": cannot read: " + buffer.getError().message());
  onnx::TensorProto proto;
  if ((*buffer)->getBufferSize() > INT_MAX ||
      !proto.ParseFromArray((*buffer)->getBufferStart(),
                            (int)(*buffer)->getBufferSize()))
    return fail(path + ": not a valid ONNX TensorProto");
  using Kind = onnx_proto::DecodeError::Kind;
  onnx_proto::DecodeError error;
  FailureOr<onnx_proto::DecodedTensor> decoded =
      onnx_proto::decodeTensorProto(proto, sys::path::parent_path(path), error);
  if (failed(decoded)) {
    switch (error.kind) {
    case Kind::UnsupportedType:
      return fail(path + ": unsupported tensor element type " +
                  Twine(error.actual));
    case Kind::NegativeDim:
      return fail(path + ": negative dimension");
    case Kind::TooLarge:
      return fail(path + ": too large");
    case Kind::RawDataSize:
      return fail(path + ": holds " + Twine(error.actual) +
                  " data bytes, expected " + Twine(error.expected));
    case Kind::ValueCount:
      return fail(path + ": holds " + Twine(error.actual) +
                  " values, expected " + Twine(error.expected));
    case Kind::ExternalData:
      return fail(path + ": tensor '" + proto.name() + "'" + error.message);
    }
  }
  HostTensor t;
  t.name = proto.name();
  t.dtype = onnx_proto::getDTypeName(decoded->elementType).str();
  t.shape = decoded->shape;
  if (t.shape.size() > kMaxTensorRank ||
      getByteSize(t.shape, t.dtype) != (int64_t)decoded->data.size())
    return fail(path + ": shape " + shapeString(t.shape) + " of " + t.dtype +
                " is too large (more than " + Twine(kMaxTensorBytes) +
                " bytes or rank " + Twine(kMaxTensorRank) + ")");
  t.data.assign(decoded->data.begin(), decoded->data.end());
  return t;
}

Expected<HostTensor> readTensorFile(StringRef path) {
  if (path.ends_with(".npy"))
    return readNpy(path);
  return readTensorProto(path);
}

Expected<Artifact> Artifact::load(StringRef dir) {
  SmallString<256> manifestPath(dir);
  sys::path::append(manifestPath, "manifest.json");
  auto buffer = MemoryBuffer::getFile(manifestPath);
  if (!buffer)
    return fail(manifestPath + ": cannot read: " + buffer.getError().message() +
                " (is '" + dir +
                "' an artifact of tessera-compile --target=cpu?)");
  Expected<json::Value> parsed = json::parse((*buffer)->getBuffer());
  if (!parsed)
    return fail(manifestPath +
                ": invalid JSON: " + toString(parsed.takeError()));
  const json::Object *root = parsed->getAsObject();
  auto bad = [&](const Twine &why) { return fail(manifestPath + ": " + why); };
  if (!root || root->getString("format") != StringRef("tessera-artifact"))
    return bad("not a Tessera artifact manifest");
  std::optional<int64_t> version = root->getInteger("format_version");
  if (!version || *version < kMinArtifactFormatVersion ||
      *version > kArtifactFormatVersion)
    return bad("artifact format version " +
               (version ? Twine(*version) : Twine("(none)")) +
               ", but this tessera-run reads versions " +
               Twine(kMinArtifactFormatVersion) + " to " +
               Twine(kArtifactFormatVersion) + "; recompile the model");
  // Before dlopen: the library's constructors already run its code.
  Expected<std::optional<std::string>> unsupported =
      checkHostCPU(*root, *version, manifestPath, dir);
  if (!unsupported)
    return unsupported.takeError();
  if (*unsupported)
    return fail(**unsupported);
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
  SmallString<256> libraryPath(dir);
  sys::path::append(libraryPath, *library);
  void *handle = ::dlopen(libraryPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return fail(libraryPath + ": cannot load: " + ::dlerror());
  // A gpu artifact's CUDA runtime gives its device memory and modules back
  // first (its destructor cannot: at process exit the driver is gone).
  artifact.handle = std::shared_ptr<void>(handle, [](void *h) {
    using ShutdownFn = void (*)();
    if (auto shutdown =
            reinterpret_cast<ShutdownFn>(::dlsym(h, gpu::kGPUShutdownFunction)))
      shutdown();
    ::dlclose(h);
  });
  if (const json::Object *npuSection = root->getObject("npu")) {
    Expected<std::unique_ptr<NPUDevice>> device =
        NPUDevice::create(*npuSection, manifestPath);
    if (!device)
      return device.takeError();
    using SetDeviceFn = void (*)(decltype(&launchOnNPUDevice), void *);
    auto setDevice = reinterpret_cast<SetDeviceFn>(
        ::dlsym(handle, "tessera_npu_set_device"));
    if (!setDevice)
      return fail(libraryPath +
                  ": an npu artifact without 'tessera_npu_set_device'");
    artifact.npu = std::move(*device);
    setDevice(launchOnNPUDevice, artifact.npu.get());
  }
  if (root->getString("target") == StringRef("gpu"))
    if (Error err = artifact.startGPU(dir, libraryPath))
      return std::move(err);
  std::string entry = root->getString("entry").value_or("tessera_run").str();
  artifact.entry = reinterpret_cast<EntryFn>(::dlsym(handle, entry.c_str()));
  if (!artifact.entry)
    return fail(libraryPath + ": no entry point '" + entry + "'");
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
      return fail(libraryPath + ": a gpu artifact without '" + name + "'");
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
      return fail("artifact " + dir + " needs an NVIDIA GPU: " + message);
    return fail("artifact " + dir + ": the GPU runtime failed: " + message);
  }
  gpu = std::move(gpuFunctions);
  return Error::success();
}

void Artifact::setGPUProfiling(bool on) const {
  if (gpu)
    gpu->setProfiling(on ? 1 : 0);
}

std::string Artifact::getGPUProfileJSON() const {
  return gpu ? std::string(gpu->profileJSON()) : std::string("[]");
}

Expected<std::vector<HostTensor>>
Artifact::run(ArrayRef<const HostTensor *> given) const {
  if (given.size() != inputs.size())
    return fail("the model takes " + Twine(inputs.size()) + " inputs, got " +
                Twine(given.size()));
  SmallVector<void *> inPtrs, outPtrs;
  for (auto [spec, tensor] : llvm::zip(inputs, given)) {
    if (tensor->dtype != spec.dtype ||
        ArrayRef<int64_t>(tensor->shape) != ArrayRef<int64_t>(spec.shape))
      return fail("input '" + spec.name + "' is " + tensor->dtype + " " +
                  shapeString(tensor->shape) + ", but the model expects " +
                  spec.dtype + " " + shapeString(spec.shape));
    if ((int64_t)tensor->data.size() != *getByteSize(spec.shape, spec.dtype))
      return fail("input '" + spec.name + "' holds " +
                  Twine(tensor->data.size()) + " data bytes, expected " +
                  Twine(*getByteSize(spec.shape, spec.dtype)));
    // Empty inputs still get one (unread) element of storage.
    static const char kEmpty[16] = {};
    inPtrs.push_back(tensor->data.empty()
                         ? const_cast<char *>(kEmpty)
                         : const_cast<char *>(tensor->data.data()));
  }
  std::vector<HostTensor> results;
  results.reserve(outputs.size());
  for (const TensorSpec &spec : outputs) {
    HostTensor t;
    t.name = spec.name;
    t.dtype = spec.dtype;
    t.shape = spec.shape;
    // One element at least: the ABI passes empty tensors as one element.
    t.data.assign(std::max<int64_t>(t.numElements(), 1) * getDTypeSize(t.dtype),
                  0);
    results.push_back(std::move(t));
  }
  for (HostTensor &t : results)
    outPtrs.push_back(t.data.data());
  int32_t rc = entry(inPtrs.data(), outPtrs.data());
  if (rc != 0) {
    std::string npuError = npu ? npu->takeError() : "";
    if (!npuError.empty())
      return fail(npuError);
    // The CUDA runtime's first failure; forgotten so that a later run may
    // try again (a failure that poisons the context fails that one too).
    std::string gpuError = gpu ? gpu->error() : "";
    if (gpu)
      gpu->clearError();
    if (!gpuError.empty())
      return fail(gpuError);
    return fail("the model returned error code " + Twine(rc));
  }
  for (HostTensor &t : results)
    t.data.resize(t.numElements() * getDTypeSize(t.dtype));
  return results;
}

} // namespace tessera::runtime
