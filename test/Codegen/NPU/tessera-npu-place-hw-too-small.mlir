// On hardware too small for the layer (2 KiB of scratchpad, see
// Inputs/tiny-hw.yaml) the layer falls back to the host with the tiling's
// message as its reason; with `strict` that is an error at the op naming
// the layer and the SRAM constraint.
// RUN: tessera-opt %s --tessera-npu-attach-hw=hw=%S/Inputs/tiny-hw.yaml "--tessera-npu-place=hw=%S/Inputs/tiny-hw.yaml" | FileCheck %s
// RUN: tessera-opt %s -verify-diagnostics --tessera-npu-attach-hw=hw=%S/Inputs/tiny-hw.yaml "--tessera-npu-place=hw=%S/Inputs/tiny-hw.yaml strict=true"
// RUN: not tessera-opt %s --tessera-npu-attach-hw=hw=%S/Inputs/tiny-hw.yaml --tessera-npu-place 2>&1 | FileCheck %s --check-prefix=NOPRESET
// RUN: not tessera-opt %s --tessera-npu-attach-hw=hw=%S/Inputs/tiny-hw.yaml --tessera-npu-place=hw=edge 2>&1 | FileCheck %s --check-prefix=OTHER
// RUN: not tessera-opt %s --tessera-npu-place 2>&1 | FileCheck %s --check-prefix=NOHW

// CHECK:      nn.conv_integer {{.*}}npu.place = "host", npu.reason = "no tiling fits the hardware; the smallest: layer 'conv1' (tiling rows=1 ch=16 weights-outer): needs 3520 bytes of scratchpad (480 input tile x2, 2304 weights x1, 128 output tile x2); the hardware has 2048"
// CHECK:      nn.requantize {{.*}}npu.place = "host"

// NOPRESET: error: the module's hardware 'tiny' is no preset: give the description it was made from as option 'hw'
// OTHER:    error: hardware description 'edge' is not the module's npu.hardware 'tiny' (hashes differ)
// NOHW:     error: the module has no 'npu.hardware' attribute (run tessera-npu-attach-hw first)

func.func @main(%x: tensor<1x16x8x8xi8>) -> tensor<1x16x8x8xi8> {
  %w = nn.constant dense<1> : tensor<16x16x3x3xi8>
  %none = nn.none
  // expected-error @unknown {{cannot run on the NPU 'tiny': no tiling fits the hardware; the smallest: layer 'conv1' (tiling rows=1 ch=16 weights-outer): needs 3520 bytes of scratchpad (480 input tile x2, 2304 weights x1, 128 output tile x2); the hardware has 2048}}
  %c = nn.conv_integer %x, %w, %none, %none {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x16x8x8xi8>, tensor<16x16x3x3xi8>, none, none) -> tensor<1x16x8x8xi32> loc("conv1")
  %y = nn.requantize %c {multiplier = array<i32: 1073741824>, shift = array<i32: 36>} : (tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi8> loc("conv1")
  return %y : tensor<1x16x8x8xi8>
}
