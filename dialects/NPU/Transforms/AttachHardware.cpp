//===- AttachHardware.cpp - attach a hardware description -----------------===//
//
// Part of Tessera. Implements `tessera-npu-attach-hw`.
//
//===----------------------------------------------------------------------===//

#include "NPU/NPUPasses.h"
#include "tessera/NPU/Hardware.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Regex.h"

namespace tessera {
#define GEN_PASS_DEF_NPUATTACHHARDWARE
#include "NPU/NPUPasses.h.inc"
} // namespace tessera

using namespace mlir;
using namespace tessera::npu;

/// Reports why the description `spec` did not load. A file that cannot be
/// read is one error; the problems of a description that does not parse or
/// validate ("<file>:<line>:<col>: error: <message>", one per line) become
/// notes located in the YAML file under one error at `module`.
static void emitLoadError(ModuleOp module, StringRef spec, StringRef message) {
  SmallVector<StringRef> problems;
  message.split(problems, '\n', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  llvm::Regex located("^(.*):([0-9]+):([0-9]+): error: (.*)$");
  SmallVector<StringRef, 5> parts;
  if (problems.size() == 1 && !located.match(problems.front())) {
    module.emitError(problems.front());
    return;
  }
  InFlightDiagnostic diag = module.emitError()
                            << "invalid hardware description '" << spec << "'";
  for (StringRef problem : problems) {
    unsigned line = 0, column = 0;
    if (!located.match(problem, &parts) || parts[2].getAsInteger(10, line) ||
        parts[3].getAsInteger(10, column)) {
      diag.attachNote() << problem;
      continue;
    }
    diag.attachNote(
        FileLineColLoc::get(module.getContext(), parts[1], line, column))
        << parts[4];
  }
}

namespace {
struct NPUAttachHardwarePass
    : tessera::impl::NPUAttachHardwareBase<NPUAttachHardwarePass> {
  using NPUAttachHardwareBase::NPUAttachHardwareBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (hw.empty()) {
      module.emitError() << "option 'hw' is empty: name a preset ("
                         << llvm::join(getPresetNames(), ", ")
                         << ") or a YAML hardware description";
      return signalPassFailure();
    }
    llvm::Expected<HardwareDesc> desc = loadHardwareDesc(hw);
    if (!desc) {
      emitLoadError(module, hw, llvm::toString(desc.takeError()));
      return signalPassFailure();
    }
    module->setAttr(NPUDialect::kHardwareAttrName,
                    HardwareAttr::get(&getContext(), *desc));
  }
};
} // namespace
