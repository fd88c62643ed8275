//===- Runtime.h - loading and running Tessera artifacts --------*- C++ -*-===//
//
// Part of Tessera. The host runtime: tensors read from and written to .npy
// and ONNX TensorProto (.pb) files (Runtime.cpp), and artifacts (a shared
// library with the C ABI of tessera/Target/CPU/CPUTarget.h plus
// manifest.json) loaded with dlopen and run (Artifact.cpp, the core that the
// C API of tessera/tessera_runtime.h shares; docs/runtime-api.md).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_RUNTIME_RUNTIME_H
#define TESSERA_RUNTIME_RUNTIME_H

#include "tessera/tessera_runtime.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tessera::runtime {

class NPUDevice;

/// An error of the artifact core that carries the C API's status for it
/// (tessera_runtime.h): the C API returns the status, the C++ faces print
/// the message. Errors without one take the status of the call that failed.
class RuntimeError : public llvm::ErrorInfo<RuntimeError> {
public:
  static char ID;
  RuntimeError(tessera_status status, std::string message)
      : status(status), message(std::move(message)) {}
  tessera_status getStatus() const { return status; }
  const std::string &getMessage() const { return message; }
  void log(llvm::raw_ostream &os) const override;
  std::error_code convertToErrorCode() const override;

private:
  tessera_status status;
  std::string message;
};

/// A RuntimeError of `status` with `message`.
llvm::Error makeRuntimeError(tessera_status status, const llvm::Twine &message);

/// The error of an artifact this host cannot run (its message says why, such
/// as the CPU features it lacks): TESSERA_ERROR_UNSUPPORTED_HOST.
llvm::Error makeUnsupportedHostError(const llvm::Twine &message);

/// Consumes `err`: its status (`fallback` for an error that is not a
/// RuntimeError) and its message in `message`.
tessera_status takeErrorStatus(llvm::Error err, std::string &message,
                               tessera_status fallback);

/// A dense row-major tensor in host memory.
struct HostTensor {
  std::string name;  // from a TensorProto, or empty
  std::string dtype; // numpy spelling: float32, int64, uint8, bool, ...
  llvm::SmallVector<int64_t> shape;
  std::vector<char> data;

  /// The element count, or -1 when the shape's product overflows int64.
  int64_t numElements() const;
  /// Element `i` converted to double (for comparisons).
  double getAsDouble(int64_t i) const;
};

/// The largest tensor the runtime reads, writes or allocates, in bytes.
constexpr int64_t kMaxTensorBytes = int64_t(1) << 36;

/// The largest rank of a tensor the runtime reads or allocates.
constexpr size_t kMaxTensorRank = 128;

/// Bytes per element of a dtype, or 0 when unknown.
size_t getDTypeSize(llvm::StringRef dtype);

/// The number of elements of `shape`, or nullopt when a dim is negative or
/// the product overflows int64.
std::optional<int64_t> getNumElements(llvm::ArrayRef<int64_t> shape);

/// The bytes of a tensor of `shape` and `dtype`, or nullopt when the dtype
/// is unknown, the count overflows or it exceeds `kMaxTensorBytes`.
std::optional<int64_t> getByteSize(llvm::ArrayRef<int64_t> shape,
                                   llvm::StringRef dtype);

/// `shape` as "[d0,d1,...]".
std::string shapeString(llvm::ArrayRef<int64_t> shape);

/// Reads a .npy file (format 1.0/2.0, little-endian, C order).
llvm::Expected<HostTensor> readNpy(llvm::StringRef path);
/// Writes a .npy file (format 1.0).
llvm::Error writeNpy(llvm::StringRef path, const HostTensor &tensor);
/// Reads a serialized ONNX TensorProto (the libonnx-testdata format).
llvm::Expected<HostTensor> readTensorProto(llvm::StringRef path);
/// Reads either, by extension (.npy, else TensorProto).
llvm::Expected<HostTensor> readTensorFile(llvm::StringRef path);

/// The declared I/O of an artifact.
struct TensorSpec {
  std::string name, dtype;
  llvm::SmallVector<int64_t> shape;
};

/// A loaded artifact. Copies share the loaded library and its device. Runs
/// of a CPU artifact may go on concurrently; those of npu and gpu artifacts
/// (whose device and launch status the copies share) are serialized.
class Artifact {
public:
  /// Loads `dir/manifest.json` and the library it names.
  static llvm::Expected<Artifact> load(llvm::StringRef dir);
  /// Loads an artifact from the bytes of its manifest and of its library
  /// (errors name "<memory>/manifest.json" and "<memory>/LIBRARY").
  static llvm::Expected<Artifact> loadFromMemory(llvm::StringRef manifest,
                                                 llvm::StringRef library);

  /// The manifest's target: "cpu", "npu", "gpu", ...
  llvm::StringRef getTarget() const { return target; }

  llvm::ArrayRef<TensorSpec> getInputs() const { return inputs; }
  llvm::ArrayRef<TensorSpec> getOutputs() const { return outputs; }
  /// The NPU device (the simulator) of an npu-target artifact, else null.
  NPUDevice *getNPUDevice() const { return npu.get(); }
  /// Whether this is a gpu-target artifact (its CUDA runtime started when it
  /// was loaded: `load` fails where there is no GPU).
  bool isGPU() const { return gpu != nullptr; }
  /// gpu artifacts: times every kernel launch from now on (or stops).
  void setGPUProfiling(bool on) const;
  /// gpu artifacts: the launches timed so far, per kernel, as the JSON of
  /// `tessera_gpu_profile_json` (docs/gpu.md); "[]" for other artifacts.
  std::string getGPUProfileJSON() const;

  /// Runs the model; `inputs` must match getInputs() in order, dtype and
  /// shape (checked); outputs are allocated.
  llvm::Expected<std::vector<HostTensor>>
  run(llvm::ArrayRef<const HostTensor *> inputs) const;

  /// Checks that a tensor of `dtype`, `shape` and `byteSize` bytes may be
  /// input `index` (< getInputs().size()): DTYPE_MISMATCH, SHAPE_MISMATCH or
  /// BUFFER_SIZE errors otherwise.
  llvm::Error checkInput(size_t index, llvm::StringRef dtype,
                         llvm::ArrayRef<int64_t> shape,
                         uint64_t byteSize) const;
  /// Checks that a buffer of `dtype`, `shape` (nullopt: unstated) and
  /// `byteSize` bytes can take output `index`.
  llvm::Error checkOutput(size_t index, llvm::StringRef dtype,
                          std::optional<llvm::ArrayRef<int64_t>> shape,
                          uint64_t byteSize) const;
  /// Runs the model on buffers: one per input and output, in order, each
  /// checked by checkInput/checkOutput (those of empty tensors may be null).
  llvm::Error runBuffers(llvm::ArrayRef<const void *> inputs,
                         llvm::ArrayRef<void *> outputs) const;

private:
  /// Loads the artifact of the manifest `text`: `where` names it in errors
  /// ("DIR/manifest.json"), `openLibrary` loads the library the manifest
  /// names.
  static llvm::Expected<Artifact>
  loadManifest(llvm::StringRef text, llvm::StringRef dir, llvm::StringRef where,
               llvm::function_ref<llvm::Expected<std::shared_ptr<void>>(
                   llvm::StringRef library, bool privateCopy)>
                   openLibrary);
  /// Finds the CUDA runtime's functions in a gpu artifact and starts it.
  llvm::Error startGPU(llvm::StringRef dir, llvm::StringRef libraryPath);

  using EntryFn = int32_t (*)(void *const *, void *const *);
  /// The functions the CUDA runtime linked into a gpu artifact exports.
  struct GPUFunctions {
    const char *(*error)() = nullptr;
    void (*clearError)() = nullptr;
    void (*setProfiling)(int32_t) = nullptr;
    const char *(*profileJSON)() = nullptr;
  };
  llvm::SmallVector<TensorSpec> inputs, outputs;
  EntryFn entry = nullptr;
  std::string target;
  /// npu and gpu artifacts: held by each run.
  std::shared_ptr<std::mutex> runLock;
  std::shared_ptr<NPUDevice> npu;
  std::shared_ptr<GPUFunctions> gpu;
  std::shared_ptr<void> handle;
};

} // namespace tessera::runtime

#endif // TESSERA_RUNTIME_RUNTIME_H
