//===- ISA.h - Tessera NPU instructions -------------------------*- C++ -*-===//
//
// In-memory form of NPU instructions. The encoding is defined once in ISA.def;
// this header turns that table into enums, a decoded-instruction struct and a
// field-descriptor table that the encoder, decoder, assembly printer/parser and
// the simulator share.
//
// Include prefixes: "tessera/NPU/..." (include/) is this MLIR-free ISA
// library (ISA, hardware description, binary, assembly; it links LLVM only and
// never includes "NPU/..." or "mlir/..."); "NPU/..." (dialects/) is the npu
// MLIR dialect built on it.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_NPU_ISA_H
#define TESSERA_NPU_ISA_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace tessera::npu {

/// Size of one encoded instruction in bytes (128 bits).
constexpr unsigned kInstBytes = 16;

/// The three in-order queues plus the fetch unit's own control instructions.
enum class Queue : uint8_t { Load = 0, Execute = 1, Store = 2, Control = 3 };

enum class Opcode : uint8_t {
#define TESSERA_NPU_OPCODE(ENUM, MNEMONIC, CODE, QUEUE, VERSION) ENUM = CODE,
#include "tessera/NPU/ISA.def"
};

/// SRAM selector of DMA and vector instructions.
enum class Mem : uint8_t { Scratchpad = 0, Accumulator = 1 };

/// Vector-unit functions (the `func` field of `vec`). Lut is version 2.
enum class VecFunc : uint8_t {
  Requant = 0,
  Relu = 1,
  Add = 2,
  Max = 3,
  Lut = 4
};
constexpr unsigned kNumVecFuncs = 5;

/// The highest ISA version this library knows (docs/npu/isa.md, "Version 2").
constexpr unsigned kMaxIsaVersion = 2;

/// Dependency-token flags (bits 8..11 of every instruction).
enum DepFlag : uint8_t {
  PopPrev = 1 << 0,
  PopNext = 1 << 1,
  PushPrev = 1 << 2,
  PushNext = 1 << 3,
};

/// A decoded instruction: the union of every instruction's fields. Fields an
/// opcode does not have are zero. Signed fields hold their sign-extended value.
struct Inst {
  Opcode op = Opcode::Finish;
  uint8_t deps = 0; ///< DepFlag bits
  // Every distinct field name of ISA.def.
  int64_t dram_stride = 0, sram_stride = 0, pad_value = 0;
  int64_t src_stride = 0, src2_stride = 0, dst_stride = 0;
  int64_t multiplier = 0, shift = 0, zero_point = 0, clamp_lo = 0, clamp_hi = 0,
          per_channel = 0, param_addr = 0;
  int64_t mem = 0, sram_addr = 0, dram_addr = 0, rows = 0, cols = 0;
  int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  int64_t sp_addr = 0, k = 0, n = 0, sp_stride = 0;
  int64_t acc_addr = 0, m = 0, acc_stride = 0, accumulate = 0;
  int64_t func = 0, src2_addr = 0, src_addr = 0, dst_mem = 0, dst_addr = 0;
  // Version 2.
  int64_t bias = 0, wide = 0, depthwise = 0;
  int64_t tap_cols = 0, tap_stride = 0, tap_row_stride = 0;

  bool operator==(const Inst &other) const;
  bool operator!=(const Inst &other) const { return !(*this == other); }
};

enum class FieldKind : uint8_t { U, S, B, Mem, VFunc };

/// One row of ISA.def's field table.
struct FieldInfo {
  Opcode op;
  llvm::StringLiteral name;
  int64_t Inst::*member;
  unsigned lsb;
  unsigned width;
  FieldKind kind;
  unsigned version; ///< ISA version that introduced the field
};

/// One row of ISA.def's opcode table.
struct OpcodeInfo {
  Opcode op;
  llvm::StringLiteral mnemonic;
  uint8_t code;
  Queue queue;
  unsigned version; ///< ISA version that introduced the opcode
};

/// Every opcode, in ISA.def order.
llvm::ArrayRef<OpcodeInfo> getOpcodes();
/// The fields of `op`, in ISA.def order (encoding order).
llvm::ArrayRef<FieldInfo> getFields(Opcode op);
/// Looks an opcode up by its byte value / mnemonic.
const OpcodeInfo *lookupOpcode(uint8_t code);
const OpcodeInfo *lookupOpcode(llvm::StringRef mnemonic);
const OpcodeInfo &getOpcodeInfo(Opcode op);
llvm::StringRef getVecFuncName(VecFunc func);
std::optional<VecFunc> parseVecFunc(llvm::StringRef name);

/// The ISA version that introduced `func` (2 for lut, 1 otherwise).
unsigned getVecFuncVersion(VecFunc func);

/// The lowest ISA version that has `inst`: 2 when its opcode is version 2, a
/// version-2 field of it is nonzero or it is `vec func=lut`, otherwise 1.
/// `feature`, when given, receives what needs version 2 ("config_taps",
/// "vec func=lut", "config_quant bias", "matmul depthwise"), or is cleared.
unsigned getInstIsaVersion(const Inst &inst, std::string *feature = nullptr);

/// Smallest and largest value a field can hold.
int64_t fieldMin(const FieldInfo &field);
int64_t fieldMax(const FieldInfo &field);

/// "load", "execute", "store", "control".
llvm::StringRef getQueueName(Queue queue);
/// The DepFlag bits an instruction of `queue` may set (VTA's scheme): load
/// has only *_next, store only *_prev, execute all four, control none.
uint8_t getAllowedDepFlags(Queue queue);
/// "pop_prev", "pop_next", "push_prev", "push_next" (one flag bit).
llvm::StringRef getDepFlagName(DepFlag flag);
/// The four flags in bit order.
constexpr DepFlag kDepFlags[] = {PopPrev, PopNext, PushPrev, PushNext};
/// "sp", "acc".
llvm::StringRef getMemName(Mem mem);

} // namespace tessera::npu

#endif // TESSERA_NPU_ISA_H
