//===- HardwareTranslations.cpp - --npu-check-hw, --npu-hw-doc --*- C++ -*-===//
//
// A raw translation that validates a YAML hardware description and prints its
// hash and canonical form, so that every validation message has a lit test
// (test/NPU/hw) independently of the simulator; and the generated tables of
// docs/npu/hardware.md (test/NPU/hw/hardware-doc.test).
//
//===----------------------------------------------------------------------===//

#include "tessera/NPU/Hardware.h"
#include "tessera/Target/NPU/Translations.h"

#include "mlir/Support/LogicalResult.h"
#include "mlir/Tools/mlir-translate/Translation.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

namespace tessera::npu {

void registerNPUHardwareTranslation() {
  static mlir::TranslateRegistration registration(
      "npu-check-hw",
      "validate an NPU hardware description (YAML) and print its hash and "
      "canonical form",
      [](const std::shared_ptr<llvm::SourceMgr> &sourceMgr,
         llvm::raw_ostream &output, mlir::MLIRContext *) {
        const llvm::MemoryBuffer *buffer =
            sourceMgr->getMemoryBuffer(sourceMgr->getMainFileID());
        llvm::Expected<HardwareDesc> hw = parseHardwareDesc(
            buffer->getBuffer(), buffer->getBufferIdentifier());
        if (!hw) {
          llvm::errs() << llvm::toString(hw.takeError()) << "\n";
          return mlir::failure();
        }
        output << "# hash: " << llvm::format_hex(hashHardwareDesc(*hw), 18)
               << "\n"
               << printHardwareDesc(*hw);
        return mlir::success();
      });
  static mlir::TranslateRegistration doc(
      "npu-hw-doc",
      "print the generated tables of docs/npu/hardware.md (input ignored)",
      [](const std::shared_ptr<llvm::SourceMgr> &, llvm::raw_ostream &output,
         mlir::MLIRContext *) {
        printHardwareDocTables(output);
        return mlir::success();
      });
}

} // namespace tessera::npu
