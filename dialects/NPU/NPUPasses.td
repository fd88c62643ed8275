//===- NPUPasses.td - npu dialect passes -----------------*- tablegen -*-===//
//
// Part of Tessera.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_DIALECT_NPU_NPUPASSES_TD
#define TESSERA_DIALECT_NPU_NPUPASSES_TD

include "mlir/Pass/PassBase.td"

def NPUAttachHardware : Pass<"tessera-npu-attach-hw", "::mlir::ModuleOp"> {
  let summary = "Attach an NPU hardware description to the module";
  let description = [{
    Loads the hardware description `hw` (a preset name: edge, mid, large, or
    the path of a YAML file, docs/npu/hardware.md) and sets the module's
    `npu.hardware` attribute to its `#npu.hardware`, hash included. The npu
    verifiers and `tessera-npu-expand-tiles` read it; the translation
    records its hash in the binary.

    Example: `tessera-opt --tessera-npu-attach-hw=hw=edge` gives
    `module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, ...>}`.
  }];
  let options = [
    Option<"hw", "hw", "std::string", /*default=*/"\"edge\"",
           "Preset name or path of a YAML hardware description">
  ];
  let dependentDialects = ["::tessera::npu::NPUDialect"];
}

def NPUExpandTiles : Pass<"tessera-npu-expand-tiles",
                          "::tessera::npu::ProgramOp"> {
  let summary = "Expand npu.tile_matmul and npu.tile_conv into instructions";
  let description = [{
    Replaces each macro tile op by the instruction sequence that computes it
    on the module's hardware (`npu.hardware`): the reduction dimension is
    blocked by the array's rows and the output channels by its columns; for
    each block one `npu.preload` of the weights and `npu.matmul`s streaming
    the input rows, with `accumulate` on every k block after the first (and
    on the first too when the tile accumulates). A convolution is the sum of
    one shifted matmul per kernel tap over the padded input image. The
    epilogue becomes `npu.config_exec` + `npu.vec relu` and
    `npu.config_exec` + `npu.config_quant` + `npu.vec requant` (a ReLU before
    a requantization with a non-negative multiplier is folded into its lower
    clamp, which is exact because requantization is then monotone).

    Example: with a 16x16 array, `npu.tile_matmul m = 32, k = 32, n = 16 ...`
    becomes two preload/matmul pairs, the second with `accumulate`.
  }];
  let dependentDialects = ["::tessera::npu::NPUDialect"];
}

#endif // TESSERA_DIALECT_NPU_NPUPASSES_TD
