//===- Runtime.h - loading and running Tessera artifacts --------*- C++ -*-===//
//
// Part of Tessera. The host runtime: tensors read from and written to .npy
// and ONNX TensorProto (.pb) files, and artifacts (a shared library with the
// C ABI of tessera/Target/CPU/CPUTarget.h plus manifest.json) loaded with
// dlopen and run. Device programs will be started through this runtime too.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_RUNTIME_RUNTIME_H
#define TESSERA_RUNTIME_RUNTIME_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tessera::runtime {

class NPUDevice;

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

/// A loaded artifact.
class Artifact {
public:
  /// Loads `dir/manifest.json` and the library it names.
  static llvm::Expected<Artifact> load(llvm::StringRef dir);

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

private:
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
  std::shared_ptr<NPUDevice> npu;
  std::shared_ptr<GPUFunctions> gpu;
  std::shared_ptr<void> handle;
};

} // namespace tessera::runtime

#endif // TESSERA_RUNTIME_RUNTIME_H
