//===- AttachHardware.cpp - attach a hardware description -----------------===//
//
// Part of Tessera. Implements `tessera-npu-attach-hw`.
//
//===----------------------------------------------------------------------===//

#include "NPU/NPUPasses.h"
#include "tessera/NPU/Hardware.h"

namespace tessera {
#define GEN_PASS_DEF_NPUATTACHHARDWARE
#include "NPU/NPUPasses.h.inc"
} // namespace tessera

using namespace mlir;
using namespace tessera::npu;

namespace {
struct NPUAttachHardwarePass
    : tessera::impl::NPUAttachHardwareBase<NPUAttachHardwarePass> {
  using NPUAttachHardwareBase::NPUAttachHardwareBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::Expected<HardwareDesc> desc = loadHardwareDesc(hw);
    if (!desc) {
      module.emitError() << "cannot load hardware description '" << hw
                         << "': " << llvm::toString(desc.takeError());
      return signalPassFailure();
    }
    module->setAttr(NPUDialect::kHardwareAttrName,
                    HardwareAttr::get(&getContext(), *desc));
  }
};
} // namespace
