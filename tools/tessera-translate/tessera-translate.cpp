//===- tessera-translate.cpp - Tessera's translation driver ---------------===//
//
// Part of Tessera. `--import-onnx` and the upstream translations.
//
//===----------------------------------------------------------------------===//

#include "tessera/Target/NPU/ExportNPU.h"
#include "tessera/Target/NPU/Translations.h"
#include "tessera/Target/ONNX/ImportONNX.h"
#include "tessera/Version.h"

#include "mlir/InitAllTranslations.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  tessera::setVersionPrinter("tessera-translate");
  mlir::registerAllTranslations();
  tessera::registerONNXImportTranslation();
  tessera::npu::registerNPUTranslations();
  tessera::npu::registerNPUHardwareTranslation();
  tessera::registerNPUExportTranslations();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "Tessera translation driver\n"));
}
