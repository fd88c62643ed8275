//===- TensorProto.cpp - decoding ONNX TensorProto messages ---------------===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#include "tessera/Target/ONNX/TensorProto.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Path.h"

#include "onnx/onnx_pb.h"

#include <cstring>

using namespace llvm;

namespace tessera::onnx_proto {

using TP = onnx::TensorProto;

namespace {
struct TypeInfo {
  int32_t dataType;
  ElementType type;
  StringRef name;
  unsigned bytes;
};
} // namespace

static const TypeInfo kTypes[] = {
    {TP::FLOAT, ElementType::Float32, "float32", 4},
    {TP::DOUBLE, ElementType::Float64, "float64", 8},
    {TP::FLOAT16, ElementType::Float16, "float16", 2},
    {TP::BFLOAT16, ElementType::BFloat16, "bfloat16", 2},
    {TP::INT8, ElementType::Int8, "int8", 1},
    {TP::INT16, ElementType::Int16, "int16", 2},
    {TP::INT32, ElementType::Int32, "int32", 4},
    {TP::INT64, ElementType::Int64, "int64", 8},
    {TP::UINT8, ElementType::UInt8, "uint8", 1},
    {TP::UINT16, ElementType::UInt16, "uint16", 2},
    {TP::UINT32, ElementType::UInt32, "uint32", 4},
    {TP::UINT64, ElementType::UInt64, "uint64", 8},
    {TP::BOOL, ElementType::Bool, "bool", 1},
};

static const TypeInfo &getInfo(ElementType type) {
  return *llvm::find_if(
      kTypes, [&](const TypeInfo &info) { return info.type == type; });
}

std::optional<ElementType> getElementType(int32_t dataType) {
  for (const TypeInfo &info : kTypes)
    if (info.dataType == dataType)
      return info.type;
  return std::nullopt;
}

StringRef getDTypeName(ElementType type) { return getInfo(type).name; }

unsigned getByteSize(ElementType type) { return getInfo(type).bytes; }

static LogicalResult fail(DecodeError &error, DecodeError::Kind kind,
                          int64_t actual = 0, int64_t expected = 0,
                          std::string message = "") {
  error.kind = kind;
  error.actual = actual;
  error.expected = expected;
  error.message = std::move(message);
  return failure();
}

namespace {
/// Where the external data of a tensor lies.
struct ExternalSlice {
  SmallString<256> path;
  int64_t offset = 0, length = 0;
};
} // namespace

/// Locates the slice of the external-data file of `tensor` that holds its
/// `expectedBytes` bytes, checking the file's size but not reading it.
static FailureOr<ExternalSlice> locateExternalData(const TP &tensor,
                                                   int64_t expectedBytes,
                                                   StringRef baseDir,
                                                   DecodeError &error) {
  auto failExternal = [&](const Twine &message) {
    return fail(error, DecodeError::Kind::ExternalData, 0, 0, message.str());
  };
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &entry : tensor.external_data()) {
    if (entry.key() == "location") {
      location = entry.value();
    } else if (entry.key() == "offset" || entry.key() == "length") {
      int64_t v;
      if (StringRef(entry.value()).getAsInteger(10, v) || v < 0)
        return failExternal(" has an invalid external-data " + entry.key() +
                            " '" + entry.value() + "'");
      (entry.key() == "offset" ? offset : length) = v;
    }
  }
  if (location.empty())
    return failExternal(" is stored externally but names no file");
  if (sys::path::is_absolute(location) ||
      llvm::is_contained(
          make_range(sys::path::begin(location), sys::path::end(location)),
          ".."))
    return failExternal(": external-data path '" + location +
                        "' must be relative and stay inside the model's "
                        "directory");
  ExternalSlice slice;
  slice.path = baseDir;
  sys::path::append(slice.path, location);
  uint64_t fileSize;
  if (sys::fs::file_size(slice.path, fileSize))
    return failExternal(": external-data file '" + slice.path +
                        "' is missing or unreadable");
  int64_t size = static_cast<int64_t>(fileSize);
  if (length < 0)
    length = size - offset;
  if (offset > size || length > size - offset || length != expectedBytes)
    return failExternal(" needs " + Twine(expectedBytes) + " bytes at offset " +
                        Twine(offset) + " of '" + slice.path + "' (" +
                        Twine(fileSize) + " bytes, length " + Twine(length) +
                        ")");
  slice.offset = offset;
  slice.length = length;
  return slice;
}

/// The slice of the external-data file of `tensor` that holds its
/// `expectedBytes` bytes.
static FailureOr<std::unique_ptr<MemoryBuffer>>
readExternalData(const TP &tensor, int64_t expectedBytes, StringRef baseDir,
                 DecodeError &error) {
  FailureOr<ExternalSlice> slice =
      locateExternalData(tensor, expectedBytes, baseDir, error);
  if (failed(slice))
    return failure();
  auto buffer =
      MemoryBuffer::getFileSlice(slice->path, slice->length, slice->offset);
  if (!buffer)
    return fail(
        error, DecodeError::Kind::ExternalData, 0, 0,
        (": cannot read '" + slice->path + "': " + buffer.getError().message())
            .str());
  return std::move(*buffer);
}

/// Packs the typed values `values` (`count` of them are needed), each
/// converted by `convert`, into `tensor.packed`.
template <typename Values, typename Convert>
static LogicalResult pack(const Values &values, Convert convert, int64_t count,
                          DecodedTensor &tensor, DecodeError &error) {
  if (static_cast<int64_t>(values.size()) != count)
    return fail(error, DecodeError::Kind::ValueCount,
                static_cast<int64_t>(values.size()), count);
  tensor.packed.resize(count * getByteSize(tensor.elementType));
  char *out = tensor.packed.data();
  for (auto value : values) {
    auto converted = convert(value);
    std::memcpy(out, &converted, sizeof(converted));
    out += sizeof(converted);
  }
  tensor.data = tensor.packed;
  return success();
}

/// Packs the typed field that holds values of `tensor.elementType`.
static LogicalResult packTypedField(const TP &proto, DecodedTensor &tensor,
                                    DecodeError &error) {
  int64_t n = tensor.numElements;
  auto same = [](auto v) { return v; };
  auto to16 = [](int32_t v) { return static_cast<uint16_t>(v); };
  auto to8 = [](int32_t v) { return static_cast<uint8_t>(v); };
  switch (tensor.elementType) {
  case ElementType::Float32:
    return pack(proto.float_data(), same, n, tensor, error);
  case ElementType::Float64:
    return pack(proto.double_data(), same, n, tensor, error);
  case ElementType::Int64:
    return pack(proto.int64_data(), same, n, tensor, error);
  case ElementType::Int32:
    return pack(proto.int32_data(), same, n, tensor, error);
  case ElementType::Int16:
  case ElementType::UInt16:
  case ElementType::Float16:
  case ElementType::BFloat16:
    return pack(proto.int32_data(), to16, n, tensor, error);
  case ElementType::Int8:
  case ElementType::UInt8:
  case ElementType::Bool:
    return pack(proto.int32_data(), to8, n, tensor, error);
  case ElementType::UInt32:
    return pack(
        proto.uint64_data(),
        [](uint64_t v) { return static_cast<uint32_t>(v); }, n, tensor, error);
  case ElementType::UInt64:
    return pack(proto.uint64_data(), same, n, tensor, error);
  }
  llvm_unreachable("all element types are covered");
}

/// The element type, shape, element count and byte size of `proto`.
static LogicalResult getSizes(const TP &proto, DecodedTensor &tensor,
                              int64_t &bytes, DecodeError &error) {
  std::optional<ElementType> type = getElementType(proto.data_type());
  if (!type)
    return fail(error, DecodeError::Kind::UnsupportedType, proto.data_type());
  tensor.elementType = *type;
  for (int64_t d : proto.dims()) {
    if (d < 0)
      return fail(error, DecodeError::Kind::NegativeDim);
    tensor.shape.push_back(d);
  }
  bytes = getByteSize(*type);
  tensor.numElements = 1;
  if (!llvm::is_contained(tensor.shape, 0)) {
    for (int64_t d : tensor.shape)
      if (MulOverflow(tensor.numElements, d, tensor.numElements))
        return fail(error, DecodeError::Kind::TooLarge);
  } else {
    tensor.numElements = 0;
  }
  if (MulOverflow(tensor.numElements, bytes, bytes))
    return fail(error, DecodeError::Kind::TooLarge);
  return success();
}

/// The number of values in the typed field that holds `type`'s elements.
static int64_t getTypedFieldSize(const TP &proto, ElementType type) {
  switch (type) {
  case ElementType::Float32:
    return proto.float_data_size();
  case ElementType::Float64:
    return proto.double_data_size();
  case ElementType::Int64:
    return proto.int64_data_size();
  case ElementType::UInt32:
  case ElementType::UInt64:
    return proto.uint64_data_size();
  default:
    return proto.int32_data_size();
  }
}

FailureOr<int64_t> checkTensorProto(const TP &proto, StringRef baseDir,
                                    DecodeError &error) {
  DecodedTensor tensor;
  int64_t bytes;
  if (failed(getSizes(proto, tensor, bytes, error)))
    return failure();
  if (proto.data_location() == TP::EXTERNAL) {
    if (failed(locateExternalData(proto, bytes, baseDir, error)))
      return failure();
  } else if (proto.has_raw_data()) {
    int64_t size = static_cast<int64_t>(proto.raw_data().size());
    if (size != bytes)
      return fail(error, DecodeError::Kind::RawDataSize, size, bytes);
  } else {
    int64_t count = getTypedFieldSize(proto, tensor.elementType);
    if (count != tensor.numElements)
      return fail(error, DecodeError::Kind::ValueCount, count,
                  tensor.numElements);
  }
  return tensor.numElements;
}

FailureOr<DecodedTensor> decodeTensorProto(TP &proto, StringRef baseDir,
                                           DecodeError &error) {
  DecodedTensor tensor;
  int64_t bytes;
  if (failed(getSizes(proto, tensor, bytes, error)))
    return failure();

  if (proto.data_location() == TP::EXTERNAL) {
    FailureOr<std::unique_ptr<MemoryBuffer>> buffer =
        readExternalData(proto, bytes, baseDir, error);
    if (failed(buffer))
      return failure();
    tensor.external = std::move(*buffer);
    tensor.data = ArrayRef<char>(tensor.external->getBufferStart(),
                                 tensor.external->getBufferSize());
    return tensor;
  }
  if (proto.has_raw_data()) {
    int64_t size = static_cast<int64_t>(proto.raw_data().size());
    if (size != bytes)
      return fail(error, DecodeError::Kind::RawDataSize, size, bytes);
    tensor.raw.reset(proto.release_raw_data());
    tensor.data = ArrayRef<char>(tensor.raw->data(), tensor.raw->size());
    return tensor;
  }
  if (failed(packTypedField(proto, tensor, error)))
    return failure();
  return tensor;
}

} // namespace tessera::onnx_proto
