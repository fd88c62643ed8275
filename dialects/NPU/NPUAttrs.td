//===- NPUAttrs.td - npu dialect attributes --------------*- tablegen -*-===//
//
// Part of Tessera. Enumerations of instruction fields and the hardware
// description attached to a module.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_NPU_NPUATTRS_TD
#define TESSERA_DIALECT_NPU_NPUATTRS_TD

include "NPU/NPUDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

// Instruction fields are int64_t in tessera::npu::Inst, and some are signed:
// unlike I64Attr (uint64_t accessors), this reads them back sign-extended.
def NPU_I64Attr : TypedSignlessIntegerAttrBase<
    I64, "int64_t", "64-bit signless integer attribute"> {
  let convertFromStorage = "$_self.getValue().getSExtValue()";
}

// Values equal the ISA encodings (tessera::npu::Mem).
def NPU_MemorySpace : I32EnumAttr<"MemorySpace",
    "an on-chip SRAM: the int8 scratchpad or the int32 accumulator", [
  I32EnumAttrCase<"sp", 0>,
  I32EnumAttrCase<"acc", 1>
]> {
  let cppNamespace = "::tessera::npu";
}

// Values equal the ISA encodings (tessera::npu::VecFunc).
def NPU_VectorFunc : I32EnumAttr<"VectorFunc", "a vector-unit function", [
  I32EnumAttrCase<"requant", 0>,
  I32EnumAttrCase<"relu", 1>,
  I32EnumAttrCase<"add", 2>,
  I32EnumAttrCase<"max", 3>,
  I32EnumAttrCase<"lut", 4>
]> {
  let cppNamespace = "::tessera::npu";
}

// tessera::npu::TensorKind.
def NPU_IOKind : I32EnumAttr<"IOKind", "a program input or output", [
  I32EnumAttrCase<"input", 0>,
  I32EnumAttrCase<"output", 1>
]> {
  let cppNamespace = "::tessera::npu";
}

def NPU_HardwareAttr : AttrDef<NPU_Dialect, "Hardware"> {
  let mnemonic = "hardware";
  let summary = "The NPU instance a module is compiled for";
  let description = [{
    The parameters of a hardware description (include/tessera/NPU/Hardware.h,
    docs/npu/hardware.md) that verifiers and the tile expansion need, plus
    the description's `hashHardwareDesc`, which the binary container records
    so the simulator can refuse a program built for other hardware, and its
    `isa_version` (omitted when 2): on version-1 hardware the instruction
    verifiers reject the version-2 instructions. It is
    attached to the module as `npu.hardware`, by `tessera-npu-attach-hw` from
    a preset or YAML file or by `HardwareAttr::get(context, desc)` in C++.

    Example:
    ```mlir
    module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16,
        cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536,
        vector_lanes = 16, hash = 1234>} {
    }
    ```
  }];
  let parameters = (ins
    StringRefParameter<"name of the description">:$name,
    "unsigned":$rows,
    "unsigned":$cols,
    "uint64_t":$scratchpad_bytes,
    "uint64_t":$accumulator_bytes,
    "unsigned":$vector_lanes,
    "uint64_t":$hash,
    DefaultValuedParameter<"unsigned", "2",
        "instruction-set version (1 or 2; printed only when 1)">:$isa_version
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The attribute of `desc`, hash included.
    static HardwareAttr get(::mlir::MLIRContext *context,
                            const ::tessera::npu::HardwareDesc &desc);
    /// Bytes of the scratchpad (`sp`) or the accumulator (`acc`).
    uint64_t getMemoryBytes(MemorySpace mem) const {
      return mem == MemorySpace::sp ? getScratchpadBytes()
                                    : getAccumulatorBytes();
    }
  }];
}

#endif // TESSERA_DIALECT_NPU_NPUATTRS_TD
