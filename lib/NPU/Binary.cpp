//===- Binary.cpp - NPU instruction encoding and binary container ---------===//
//
// The 128-bit instruction encoding (driven entirely by ISA.def) and the
// versioned container of docs/npu/binary-format.md. The decoder treats its
// input as hostile: every read is bounds-checked first, with overflow-safe
// arithmetic, and everything it returns has passed verifyProgram's rules.
//
//===----------------------------------------------------------------------===//

#include "tessera/NPU/Program.h"

#include "ProgramDetail.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Format.h"

#include <array>

using namespace tessera::npu;
using llvm::Error;

//===----------------------------------------------------------------------===//
// Instructions
//===----------------------------------------------------------------------===//

static uint64_t widthMask(unsigned width) {
  return width >= 64 ? ~uint64_t(0) : (uint64_t(1) << width) - 1;
}

/// Bit i of an instruction is bit i % 8 of byte i / 8 (ISA.def).
static void writeBits(uint8_t *bytes, unsigned lsb, unsigned width,
                      uint64_t value) {
  for (unsigned i = 0; i < width; ++i) {
    unsigned bit = lsb + i;
    if ((value >> i) & 1)
      bytes[bit / 8] |= uint8_t(1u << (bit % 8));
  }
}

static uint64_t readBits(const uint8_t *bytes, unsigned lsb, unsigned width) {
  uint64_t value = 0;
  for (unsigned i = 0; i < width; ++i) {
    unsigned bit = lsb + i;
    value |= uint64_t((bytes[bit / 8] >> (bit % 8)) & 1) << i;
  }
  return value;
}

/// The bits each opcode defines: its opcode byte, the four flag bits and its
/// fields. Every other bit is reserved.
static const std::array<uint8_t, kInstBytes> &getDefinedBits(Opcode op) {
  static const auto masks = [] {
    std::array<std::array<uint8_t, kInstBytes>, 256> result{};
    for (const OpcodeInfo &info : getOpcodes()) {
      std::array<uint8_t, kInstBytes> &mask = result[info.code];
      writeBits(mask.data(), 0, 12, widthMask(12));
      for (const FieldInfo &field : getFields(info.op))
        writeBits(mask.data(), field.lsb, field.width, widthMask(field.width));
    }
    return result;
  }();
  return masks[uint8_t(op)];
}

static std::string hex(uint64_t value) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::format_hex(value, 0);
  return text;
}

std::array<uint8_t, kInstBytes> tessera::npu::encodeInst(const Inst &inst) {
  std::array<uint8_t, kInstBytes> bytes{};
  bytes[0] = uint8_t(inst.op);
  bytes[1] = inst.deps & 0xf;
  for (const FieldInfo &field : getFields(inst.op))
    writeBits(bytes.data(), field.lsb, field.width,
              uint64_t(inst.*field.member) & widthMask(field.width));
  return bytes;
}

llvm::Expected<Inst> tessera::npu::decodeInst(llvm::ArrayRef<uint8_t> bytes) {
  if (bytes.size() != kInstBytes)
    return detail::makeError("an instruction is " + llvm::Twine(kInstBytes) +
                             " bytes, got " + llvm::Twine(bytes.size()));
  const OpcodeInfo *info = lookupOpcode(bytes[0]);
  if (!info)
    return detail::makeError("unknown opcode " + hex(bytes[0]));
  Inst inst;
  inst.op = info->op;
  inst.deps = bytes[1] & 0xf;
  if (Error err = detail::verifyDepFlags(*info, inst.deps))
    return err;
  const std::array<uint8_t, kInstBytes> &defined = getDefinedBits(info->op);
  for (unsigned i = 0; i < kInstBytes; ++i) {
    uint8_t reserved = bytes[i] & ~defined[i];
    if (!reserved)
      continue;
    unsigned bit = i * 8 + llvm::countr_zero(reserved);
    return detail::makeError(info->mnemonic + ": reserved bit " +
                             llvm::Twine(bit) + " is set");
  }
  for (const FieldInfo &field : getFields(info->op)) {
    uint64_t raw = readBits(bytes.data(), field.lsb, field.width);
    int64_t value = int64_t(raw);
    if (field.kind == FieldKind::S)
      value = llvm::SignExtend64(raw, field.width);
    // Only enumerations can hold encodable values outside their range.
    if (value > fieldMax(field))
      return detail::makeError(info->mnemonic + ": " + field.name + " " +
                               llvm::Twine(value) + " out of range [" +
                               llvm::Twine(fieldMin(field)) + ", " +
                               llvm::Twine(fieldMax(field)) + "]");
    inst.*field.member = value;
  }
  return inst;
}

//===----------------------------------------------------------------------===//
// Container layout (docs/npu/binary-format.md)
//===----------------------------------------------------------------------===//

namespace {
enum Section : unsigned {
  Instructions,
  Constants,
  Tensors,
  Layers,
  Strings,
  NumSections
};

constexpr const char *kSectionNames[NumSections] = {
    "instructions", "constants", "tensors", "layers", "strings"};

// Header offsets.
constexpr unsigned kOffMagic = 0;
constexpr unsigned kOffVersionMajor = 8;
constexpr unsigned kOffVersionMinor = 10;
constexpr unsigned kOffHeaderSize = 12;
constexpr unsigned kOffChecksum = 16;
constexpr unsigned kOffFileSize = 24;
constexpr unsigned kOffHwHash = 32;
constexpr unsigned kOffDramBytes = 40;
constexpr unsigned kOffConstantsAddr = 48;
constexpr unsigned kOffReserved = 56;
constexpr unsigned kOffSections = 64;
constexpr unsigned kSectionEntryBytes = 16;
constexpr unsigned kHeaderBytes =
    kOffSections + NumSections * kSectionEntryBytes; // 144
constexpr unsigned kSectionAlign = 16;

constexpr unsigned kTensorTableHeaderBytes = 8;
constexpr unsigned kTensorRecordBytes = 24; // plus 8 per dimension
constexpr unsigned kLayerRecordBytes = 16;
} // namespace

/// FNV-1a 64 of the file without its checksum field.
static uint64_t computeChecksum(llvm::ArrayRef<uint8_t> file) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < file.size(); ++i) {
    if (i >= kOffChecksum && i < kOffChecksum + 8)
      continue;
    hash ^= file[i];
    hash *= 0x100000001b3ull;
  }
  return hash;
}

namespace {
/// Appends little-endian integers.
struct Writer {
  std::vector<uint8_t> &out;
  void put(uint64_t value, unsigned bytes) {
    for (unsigned i = 0; i < bytes; ++i)
      out.push_back(uint8_t(value >> (8 * i)));
  }
  void align(unsigned alignment) {
    while (out.size() % alignment)
      out.push_back(0);
  }
  void patch(size_t offset, uint64_t value, unsigned bytes) {
    for (unsigned i = 0; i < bytes; ++i)
      out[offset + i] = uint8_t(value >> (8 * i));
  }
};
} // namespace

std::vector<uint8_t> tessera::npu::encodeProgram(const Program &program) {
  std::vector<uint8_t> out(kHeaderBytes, 0);
  Writer w{out};
  std::array<std::pair<uint64_t, uint64_t>, NumSections> sections{};
  std::string strings;
  auto addString = [&](llvm::StringRef s) {
    uint64_t offset = strings.size();
    strings += s.str();
    return std::make_pair(offset, uint64_t(s.size()));
  };
  auto beginSection = [&](Section s) {
    w.align(kSectionAlign);
    sections[s].first = out.size();
  };
  auto endSection = [&](Section s) {
    sections[s].second = out.size() - sections[s].first;
  };

  beginSection(Instructions);
  for (const Inst &inst : program.insts) {
    std::array<uint8_t, kInstBytes> bytes = encodeInst(inst);
    out.insert(out.end(), bytes.begin(), bytes.end());
  }
  endSection(Instructions);

  beginSection(Constants);
  out.insert(out.end(), program.constants.begin(), program.constants.end());
  endSection(Constants);

  beginSection(Tensors);
  w.put(program.tensors.size(), 4);
  w.put(0, 4);
  for (const TensorDesc &tensor : program.tensors) {
    auto [nameOffset, nameSize] = addString(tensor.name);
    w.put(nameOffset, 4);
    w.put(nameSize, 4);
    w.put(uint8_t(tensor.kind), 1);
    w.put(uint8_t(tensor.type), 1);
    w.put(tensor.shape.size(), 2);
    w.put(0, 4);
    w.put(tensor.dramAddr, 8);
    for (int64_t dim : tensor.shape)
      w.put(uint64_t(dim), 8);
  }
  endSection(Tensors);

  beginSection(Layers);
  for (const LayerRange &layer : program.layers) {
    auto [nameOffset, nameSize] = addString(layer.name);
    w.put(nameOffset, 4);
    w.put(nameSize, 4);
    w.put(layer.begin, 4);
    w.put(layer.end, 4);
  }
  endSection(Layers);

  beginSection(Strings);
  out.insert(out.end(), strings.begin(), strings.end());
  endSection(Strings);

  for (unsigned i = 0; i < sizeof(kBinaryMagic); ++i)
    out[kOffMagic + i] = kBinaryMagic[i];
  w.patch(kOffVersionMajor, getBinaryVersionMajor(program.insts), 2);
  w.patch(kOffVersionMinor, kBinaryVersionMinor, 2);
  w.patch(kOffHeaderSize, kHeaderBytes, 4);
  w.patch(kOffFileSize, out.size(), 8);
  w.patch(kOffHwHash, program.hwHash, 8);
  w.patch(kOffDramBytes, program.dramBytes, 8);
  w.patch(kOffConstantsAddr, program.constantsAddr, 8);
  for (unsigned s = 0; s < NumSections; ++s) {
    w.patch(kOffSections + s * kSectionEntryBytes, sections[s].first, 8);
    w.patch(kOffSections + s * kSectionEntryBytes + 8, sections[s].second, 8);
  }
  w.patch(kOffChecksum, computeChecksum(out), 8);
  return out;
}

unsigned tessera::npu::getBinaryVersionMajor(llvm::ArrayRef<Inst> insts) {
  unsigned major = kBinaryVersionMajor;
  for (const Inst &inst : insts)
    major = std::max(major, getInstIsaVersion(inst));
  return major;
}

//===----------------------------------------------------------------------===//
// Decoding
//===----------------------------------------------------------------------===//

static Error binaryError(const llvm::Twine &message) {
  return detail::makeError("npu binary: " + message);
}

static Error binaryError(const llvm::Twine &what, uint64_t offset,
                         const llvm::Twine &message) {
  return detail::makeError("npu binary: " + what + " (offset " + hex(offset) +
                           "): " + message);
}

/// Little-endian integer of `size` bytes at `offset`; the caller has checked
/// that offset + size <= data.size().
static uint64_t loadLE(llvm::ArrayRef<uint8_t> data, uint64_t offset,
                       unsigned size) {
  uint64_t value = 0;
  for (unsigned i = 0; i < size; ++i)
    value |= uint64_t(data[offset + i]) << (8 * i);
  return value;
}

/// Whether [offset, offset + size) lies inside [0, limit), without overflow.
static bool inBounds(uint64_t offset, uint64_t size, uint64_t limit) {
  return offset <= limit && size <= limit - offset;
}

namespace {
/// A bounds-checked reader over one section; offsets in errors are file
/// offsets.
struct Cursor {
  llvm::ArrayRef<uint8_t> data;
  uint64_t fileOffset; ///< of data[0]
  uint64_t pos = 0;

  bool has(uint64_t bytes) const { return inBounds(pos, bytes, data.size()); }
  uint64_t take(unsigned bytes) {
    uint64_t value = loadLE(data, pos, bytes);
    pos += bytes;
    return value;
  }
  uint64_t here() const { return fileOffset + pos; }
};
} // namespace

/// The name (offset, size) of a table entry, checked against the string
/// table.
static llvm::Expected<std::string> readName(llvm::ArrayRef<uint8_t> strings,
                                            uint64_t offset, uint64_t size) {
  if (!inBounds(offset, size, strings.size()))
    return detail::makeError("name [" + hex(offset) + ", " + hex(offset) +
                             " + " + llvm::Twine(size) +
                             ") is outside the string table of " +
                             llvm::Twine(strings.size()) + " bytes");
  std::string name(reinterpret_cast<const char *>(strings.data()) + offset,
                   size);
  if (Error err = detail::verifyName(name))
    return std::move(err);
  return name;
}

llvm::Expected<Program>
tessera::npu::decodeProgram(llvm::ArrayRef<uint8_t> bytes) {
  // Identification: magic, version, header size, total size, checksum.
  if (!hasBinaryMagic(bytes))
    return binaryError("bad magic (not a Tessera NPU binary)");
  if (bytes.size() < kOffHeaderSize)
    return binaryError("truncated: " + llvm::Twine(bytes.size()) +
                       " bytes, the header alone is " +
                       llvm::Twine(kHeaderBytes));
  uint64_t major = loadLE(bytes, kOffVersionMajor, 2);
  uint64_t minor = loadLE(bytes, kOffVersionMinor, 2);
  if (major < kBinaryVersionMajor || major > kBinaryVersionMajorMax)
    return binaryError("unsupported NPU binary version " + llvm::Twine(major) +
                       "." + llvm::Twine(minor) + " (this build reads " +
                       llvm::Twine(kBinaryVersionMajor) + ".0 and " +
                       llvm::Twine(kBinaryVersionMajorMax) + ".0)");
  if (minor > kBinaryVersionMinor)
    return binaryError("unsupported NPU binary version " + llvm::Twine(major) +
                       "." + llvm::Twine(minor) + " (this build reads up to " +
                       llvm::Twine(major) + "." +
                       llvm::Twine(kBinaryVersionMinor) + ")");
  if (bytes.size() < kHeaderBytes)
    return binaryError("truncated: " + llvm::Twine(bytes.size()) +
                       " bytes, the header alone is " +
                       llvm::Twine(kHeaderBytes));
  uint64_t headerSize = loadLE(bytes, kOffHeaderSize, 4);
  if (headerSize != kHeaderBytes)
    return binaryError("header size " + llvm::Twine(headerSize) + ", version " +
                       llvm::Twine(major) + ".0 has " +
                       llvm::Twine(kHeaderBytes));
  uint64_t fileSize = loadLE(bytes, kOffFileSize, 8);
  if (fileSize > bytes.size())
    return binaryError("truncated: the header says " + llvm::Twine(fileSize) +
                       " bytes, got " + llvm::Twine(bytes.size()));
  if (fileSize < bytes.size())
    return binaryError("the header says " + llvm::Twine(fileSize) +
                       " bytes, got " + llvm::Twine(bytes.size()) +
                       " (trailing bytes)");
  uint64_t stored = loadLE(bytes, kOffChecksum, 8);
  uint64_t computed = computeChecksum(bytes);
  if (stored != computed)
    return binaryError("checksum mismatch (stored " + hex(stored) +
                       ", computed " + hex(computed) +
                       "): the file is corrupted");
  if (uint64_t reserved = loadLE(bytes, kOffReserved, 8))
    return binaryError("header", kOffReserved,
                       "reserved field is " + hex(reserved) + ", must be 0");

  Program program;
  program.hwHash = loadLE(bytes, kOffHwHash, 8);
  program.dramBytes = loadLE(bytes, kOffDramBytes, 8);
  program.constantsAddr = loadLE(bytes, kOffConstantsAddr, 8);

  // Section table: each section inside the file, after the header, in order
  // and without overlap.
  std::array<Cursor, NumSections> sections;
  uint64_t previousEnd = kHeaderBytes;
  for (unsigned s = 0; s < NumSections; ++s) {
    uint64_t entry = kOffSections + s * kSectionEntryBytes;
    uint64_t offset = loadLE(bytes, entry, 8);
    uint64_t size = loadLE(bytes, entry + 8, 8);
    if (offset < previousEnd || !inBounds(offset, size, bytes.size()))
      return binaryError(
          "section table", entry,
          llvm::Twine(kSectionNames[s]) + " section [" + hex(offset) + ", " +
              hex(offset) + " + " + llvm::Twine(size) +
              ") is not within the file after the previous section (which "
              "ends at " +
              hex(previousEnd) + "; the file has " + llvm::Twine(bytes.size()) +
              " bytes)");
    sections[s] = Cursor{bytes.slice(offset, size), offset};
    previousEnd = offset + size;
  }
  llvm::ArrayRef<uint8_t> strings = sections[Strings].data;

  // Instructions.
  Cursor &insts = sections[Instructions];
  if (insts.data.size() % kInstBytes)
    return binaryError("instructions section", insts.fileOffset,
                       "size " + llvm::Twine(insts.data.size()) +
                           " is not a multiple of " + llvm::Twine(kInstBytes));
  uint64_t numInsts = insts.data.size() / kInstBytes;
  if (numInsts > UINT32_MAX)
    return binaryError("instructions section", insts.fileOffset,
                       "more than 2^32-1 instructions");
  program.insts.reserve(numInsts);
  for (uint64_t i = 0; i < numInsts; ++i) {
    uint64_t offset = insts.here();
    llvm::Expected<Inst> inst =
        decodeInst(insts.data.slice(insts.pos, kInstBytes));
    insts.pos += kInstBytes;
    if (!inst)
      return binaryError("instruction " + llvm::Twine(i), offset,
                         llvm::toString(inst.takeError()));
    if (Error err = verifyInst(*inst))
      return binaryError("instruction " + llvm::Twine(i), offset,
                         llvm::toString(std::move(err)));
    std::string feature;
    if (getInstIsaVersion(*inst, &feature) > major)
      return binaryError("instruction " + llvm::Twine(i), offset,
                         feature +
                             " is an ISA version 2 instruction, but "
                             "the file is version " +
                             llvm::Twine(major) + "." + llvm::Twine(minor) +
                             " (a program with version-2 instructions is a "
                             "2.0 file)");
    program.insts.push_back(*inst);
  }
  if (Error err = detail::verifyFinish(program.insts))
    return binaryError("instructions section", insts.fileOffset,
                       llvm::toString(std::move(err)));

  // Constants.
  llvm::ArrayRef<uint8_t> constants = sections[Constants].data;
  if (Error err = detail::verifyConstants(program.constantsAddr,
                                          constants.size(), program.dramBytes))
    return binaryError("constants section", sections[Constants].fileOffset,
                       llvm::toString(std::move(err)));
  program.constants.assign(constants.begin(), constants.end());

  // Tensor table.
  Cursor &tensors = sections[Tensors];
  if (!tensors.has(kTensorTableHeaderBytes))
    return binaryError("tensors section", tensors.fileOffset,
                       "truncated table header");
  uint64_t numTensors = tensors.take(4);
  if (uint64_t reserved = tensors.take(4))
    return binaryError("tensors section", tensors.fileOffset + 4,
                       "reserved field is " + hex(reserved) + ", must be 0");
  llvm::StringSet<> tensorNames;
  for (uint64_t i = 0; i < numTensors; ++i) {
    uint64_t offset = tensors.here();
    std::string what = "tensor " + std::to_string(i);
    if (!tensors.has(kTensorRecordBytes))
      return binaryError(what, offset, "truncated record");
    uint64_t nameOffset = tensors.take(4);
    uint64_t nameSize = tensors.take(4);
    uint64_t kind = tensors.take(1);
    uint64_t type = tensors.take(1);
    uint64_t rank = tensors.take(2);
    uint64_t reserved = tensors.take(4);
    uint64_t dramAddr = tensors.take(8);
    if (reserved)
      return binaryError(what, offset,
                         "reserved field is " + hex(reserved) + ", must be 0");
    if (kind > uint64_t(TensorKind::Output))
      return binaryError(what, offset, "unknown kind " + llvm::Twine(kind));
    if (type > uint64_t(ElemType::BF16))
      return binaryError(what, offset,
                         "unknown element type " + llvm::Twine(type));
    if (!tensors.has(rank * 8))
      return binaryError(what, offset,
                         "truncated record (rank " + llvm::Twine(rank) + ")");
    llvm::Expected<std::string> name = readName(strings, nameOffset, nameSize);
    if (!name)
      return binaryError(what, offset, llvm::toString(name.takeError()));
    TensorDesc tensor;
    tensor.name = std::move(*name);
    tensor.kind = TensorKind(kind);
    tensor.type = ElemType(type);
    tensor.dramAddr = dramAddr;
    for (uint64_t d = 0; d < rank; ++d)
      tensor.shape.push_back(int64_t(tensors.take(8)));
    if (Error err = detail::verifyTensor(tensor, program.dramBytes))
      return binaryError(what, offset, llvm::toString(std::move(err)));
    if (!tensorNames.insert(tensor.name).second)
      return binaryError(what, offset,
                         "tensor '" + tensor.name + "' is declared twice");
    program.tensors.push_back(std::move(tensor));
  }
  if (tensors.pos != tensors.data.size())
    return binaryError("tensors section", tensors.here(),
                       llvm::Twine(tensors.data.size() - tensors.pos) +
                           " bytes after the last tensor");
  if (Error err = detail::verifyDisjoint(program))
    return binaryError("tensors section", tensors.fileOffset,
                       llvm::toString(std::move(err)));

  // Layer table.
  Cursor &layers = sections[Layers];
  if (layers.data.size() % kLayerRecordBytes)
    return binaryError("layers section", layers.fileOffset,
                       "size " + llvm::Twine(layers.data.size()) +
                           " is not a multiple of " +
                           llvm::Twine(kLayerRecordBytes));
  while (layers.pos < layers.data.size()) {
    uint64_t offset = layers.here();
    std::string what =
        "layer " + std::to_string(layers.pos / kLayerRecordBytes);
    uint64_t nameOffset = layers.take(4);
    uint64_t nameSize = layers.take(4);
    LayerRange layer;
    layer.begin = uint32_t(layers.take(4));
    layer.end = uint32_t(layers.take(4));
    llvm::Expected<std::string> name = readName(strings, nameOffset, nameSize);
    if (!name)
      return binaryError(what, offset, llvm::toString(name.takeError()));
    layer.name = std::move(*name);
    if (Error err = detail::verifyLayer(layer, numInsts))
      return binaryError(what, offset, llvm::toString(std::move(err)));
    program.layers.push_back(std::move(layer));
  }

  // Every check of verifyProgram was made above with a location; this is the
  // backstop that keeps the two from drifting apart.
  if (Error err = verifyProgram(program))
    return binaryError(llvm::toString(std::move(err)));
  return program;
}
