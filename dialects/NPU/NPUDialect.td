//===- NPUDialect.td - the npu dialect -------------------*- tablegen -*-===//
//
// Part of Tessera. The `npu` dialect: Tessera NPU programs, one op per
// instruction of include/tessera/NPU/ISA.def plus macro tile ops.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_NPU_NPUDIALECT_TD
#define TESSERA_DIALECT_NPU_NPUDIALECT_TD

include "mlir/IR/OpBase.td"

def NPU_Dialect : Dialect {
  let name = "npu";
  let summary = "Tessera NPU programs at the instruction level";
  let description = [{
    The `npu` dialect describes a program of the Tessera NPU
    (docs/npu/isa.md). An `npu.program` holds the I/O tensor table, the
    constant DRAM image and the instruction stream in program order, grouped
    into `npu.layer`s named after ONNX nodes. Each instruction op mirrors one
    row of the ISA table (include/tessera/NPU/ISA.def) field for field, so the
    translation to the binary container is a table lookup. Macro ops
    (`npu.tile_matmul`, `npu.tile_conv`) describe a whole int8 tile and are
    expanded into instructions by `tessera-npu-expand-tiles`.

    The hardware the program is compiled for is the `#npu.hardware`
    attribute on the enclosing module (`npu.hardware`); verifiers check the
    fields an op determines alone against it (addresses within the SRAMs,
    weight blocks within the array).
  }];
  let cppNamespace = "::tessera::npu";
  let useDefaultAttributePrinterParser = 1;
  let hasOperationAttrVerify = 1;
  let extraClassDeclaration = [{
    /// Name of the module attribute holding the `#npu.hardware` description.
    static constexpr ::llvm::StringLiteral kHardwareAttrName = "npu.hardware";
  }];
}

#endif // TESSERA_DIALECT_NPU_NPUDIALECT_TD
