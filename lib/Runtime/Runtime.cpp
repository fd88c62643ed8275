//===- Runtime.cpp - tensor files of the host runtime ---------------------===//
//
// Part of Tessera. .npy and ONNX TensorProto files (libonnx, protobuf); the
// artifact core that loads and runs models is Artifact.cpp, which the shared
// C runtime links without these.
//
//===----------------------------------------------------------------------===//

#include "tessera/Runtime/Runtime.h"
#include "tessera/Target/ONNX/TensorProto.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "onnx/onnx_pb.h"

#include <climits>
#include <cstring>

using namespace llvm;

namespace tessera::runtime {

static Error fail(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
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

} // namespace tessera::runtime
