//===- NPUOps.h - npu dialect -----------------------------------*- C++ -*-===//
//
// Part of Tessera. The npu dialect, its attributes and operations, and the
// conversion between instruction ops and tessera::npu::Inst.
//
// Include prefixes: "NPU/..." (dialects/) is this npu MLIR dialect;
// "tessera/NPU/..." (include/) is the MLIR-free ISA library it builds on (ISA,
// hardware description, binary, assembly), which never includes "NPU/...".
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_NPU_NPUOPS_H
#define TESSERA_DIALECT_NPU_NPUOPS_H

#include "tessera/NPU/Hardware.h"
#include "tessera/NPU/ISA.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"

#include "NPU/NPUDialect.h.inc"
#include "NPU/NPUEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "NPU/NPUAttrs.h.inc"

namespace tessera::npu {
/// Verifies an instruction op (see InstOpInterface): fields against the ISA
/// table, dependency flags against its queue, and what the op alone
/// determines against the module's hardware description.
llvm::LogicalResult verifyInstOp(mlir::Operation *op);
} // namespace tessera::npu

#include "NPU/NPUInterfaces.h.inc"

#define GET_OP_CLASSES
#include "NPU/NPUOps.h.inc"

namespace tessera::npu {

/// The `npu.hardware` attribute of the closest ancestor of `op` (or `op`
/// itself) that has one; null when there is none.
HardwareAttr lookupHardware(mlir::Operation *op);

/// The instruction an instruction op encodes. Fails (with a diagnostic at
/// the op) only when a field does not fit the int64_t of Inst, which the ODS
/// types already exclude; the fields are not range-checked here.
mlir::FailureOr<Inst> toInst(InstOpInterface op);

/// Creates the instruction op for `inst` at the builder's insertion point.
InstOpInterface createInstOp(mlir::OpBuilder &builder, mlir::Location loc,
                             const Inst &inst);

/// createInstOp for many instructions of one context: the op names, the
/// attribute names and the field values' attributes are looked up once, not
/// per instruction, and set as the op's properties directly.
class InstOpBuilder {
public:
  explicit InstOpBuilder(mlir::MLIRContext *context);
  InstOpInterface create(mlir::OpBuilder &builder, mlir::Location loc,
                         const Inst &inst);

private:
  /// One inherent attribute of an opcode: a field, or a dependency flag
  /// (field null).
  struct Slot {
    mlir::StringAttr name;
    const FieldInfo *field;
    DepFlag flag;
  };
  struct OpcodeEntry {
    std::optional<mlir::OperationName> name;
    llvm::SmallVector<Slot> slots;
  };
  mlir::Attribute getValue(const FieldInfo &field, int64_t value);

  mlir::MLIRContext *context;
  mlir::UnitAttr unit;
  std::vector<OpcodeEntry> opcodes;
  llvm::DenseMap<std::pair<unsigned, int64_t>, mlir::Attribute> values;
};

} // namespace tessera::npu

#endif // TESSERA_DIALECT_NPU_NPUOPS_H
