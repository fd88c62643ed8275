//===- Translations.h - NPU translations of tessera-translate ---*- C++ -*-===//
//
// Part of Tessera. The file-to-file translations over the MLIR-free NPU
// library (tessera/NPU/...): programs, hardware descriptions and the
// generated doc tables. They live here, not in lib/NPU, so that the ISA
// library does not depend on MLIR's translation registry.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TARGET_NPU_TRANSLATIONS_H
#define TESSERA_TARGET_NPU_TRANSLATIONS_H

namespace tessera::npu {

/// Registers --npu-asm-to-bin, --npu-bin-to-asm, --npu-asm-roundtrip and
/// --npu-isa-table (the encoding tables of docs/npu/isa.md).
void registerNPUTranslations();

/// Registers --npu-check-hw (validate a YAML hardware description, print its
/// hash and canonical form) and --npu-hw-doc (the generated tables of
/// docs/npu/hardware.md).
void registerNPUHardwareTranslation();

} // namespace tessera::npu

#endif // TESSERA_TARGET_NPU_TRANSLATIONS_H
