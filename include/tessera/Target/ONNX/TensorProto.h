//===- TensorProto.h - decoding ONNX TensorProto messages -------*- C++ -*-===//
//
// Part of Tessera. The one decoder of ONNX TensorProto contents, used by the
// importer (initializers, Constant values) and by the runtime (.pb tensor
// files): the element types Tessera supports, raw_data, the typed repeated
// fields and external data, with every size checked. Errors are returned as
// data, so each caller words them in its own terms.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TARGET_ONNX_TENSORPROTO_H
#define TESSERA_TARGET_ONNX_TENSORPROTO_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/LogicalResult.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace onnx {
class TensorProto;
} // namespace onnx

namespace tessera::onnx_proto {

/// An element type of ONNX tensors that Tessera supports.
enum class ElementType {
  Float32,
  Float64,
  Float16,
  BFloat16,
  Int8,
  Int16,
  Int32,
  Int64,
  UInt8,
  UInt16,
  UInt32,
  UInt64,
  Bool,
};

/// The element type of the ONNX `TensorProto::DataType` value `dataType`, or
/// nullopt when Tessera does not support it (strings, complex numbers, ...).
std::optional<ElementType> getElementType(int32_t dataType);

/// The numpy spelling of `type` (float32, ..., bool).
llvm::StringRef getDTypeName(ElementType type);

/// Bytes per element of decoded data; a bool takes one.
unsigned getByteSize(ElementType type);

/// Why a TensorProto could not be decoded.
struct DecodeError {
  enum class Kind {
    /// The data type is not supported (`actual` is its number).
    UnsupportedType,
    /// A dim is negative.
    NegativeDim,
    /// The data would take more bytes than an int64_t counts.
    TooLarge,
    /// raw_data holds `actual` bytes where `expected` are needed.
    RawDataSize,
    /// The typed field holds `actual` values where `expected` are needed.
    ValueCount,
    /// External data is malformed or unreadable: `message` is the sentence
    /// after the tensor's name ("initializer 'w'" + message).
    ExternalData,
  };
  Kind kind = Kind::UnsupportedType;
  int64_t actual = 0, expected = 0;
  std::string message;
};

/// The contents of a TensorProto: row-major little-endian elements.
struct DecodedTensor {
  ElementType elementType = ElementType::Float32;
  llvm::SmallVector<int64_t> shape;
  int64_t numElements = 0;
  /// numElements * getByteSize(elementType) bytes, held by one of the owners
  /// below.
  llvm::ArrayRef<char> data;
  /// The proto's raw_data, taken over without a copy.
  std::unique_ptr<std::string> raw;
  /// The slice of an external-data file.
  std::unique_ptr<llvm::MemoryBuffer> external;
  /// The values of a typed field, packed.
  std::vector<char> packed;
};

/// Decodes `tensor`, moving its raw_data out of the proto. External data is
/// read from a file relative to `baseDir` (absolute paths and `..` are
/// refused). On failure, `error` says why.
llvm::FailureOr<DecodedTensor> decodeTensorProto(onnx::TensorProto &tensor,
                                                 llvm::StringRef baseDir,
                                                 DecodeError &error);

/// Checks, without decoding or reading anything but the size of an
/// external-data file, that `tensor` has a supported element type,
/// non-negative dims and exactly the data its dims need (the checks
/// decodeTensorProto makes). On success, returns the number of elements.
llvm::FailureOr<int64_t> checkTensorProto(const onnx::TensorProto &tensor,
                                          llvm::StringRef baseDir,
                                          DecodeError &error);

} // namespace tessera::onnx_proto

#endif // TESSERA_TARGET_ONNX_TENSORPROTO_H
