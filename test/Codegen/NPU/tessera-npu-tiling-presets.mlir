// The tiling of a layer follows the hardware: the same convolution on the
// edge preset (16x16 array, 256 KiB scratchpad) and on the large one gets
// different tilings and predictions (the `tiling` attribute of its layer).
// RUN: tessera-opt %s --tessera-npu-partition="hw=edge strict=true" | FileCheck %s --check-prefix=EDGE
// RUN: tessera-opt %s --tessera-npu-partition="hw=large strict=true" | FileCheck %s --check-prefix=LARGE

// EDGE:  module attributes {npu.hardware = #npu.hardware<name = "edge"
// EDGE:  npu.layer "conv1" attributes {{{.*}}predicted_cycles = [[EDGE_CYCLES:[0-9]+]] : i64{{.*}}tiling = "rows=6 ch=32 inputs-outer krows=1"}
// EDGE:  npu.layer "conv2" attributes {{{.*}}tiling = "rows=6 ch=32 inputs-outer krows=1"}
// LARGE: module attributes {npu.hardware = #npu.hardware<name = "large"
// LARGE: npu.layer "conv1" attributes {{{.*}}tiling = "rows=32 ch=64 weights-outer flat krows=1"}
// LARGE: npu.layer "conv2" attributes {{{.*}}tiling = "rows=32 ch=64 weights-outer flat krows=1"}

func.func @main(%x: tensor<1x64x32x32xi8>) -> tensor<1x64x32x32xi8> {
  %w = nn.constant dense<1> : tensor<64x64x3x3xi8>
  %none = nn.none
  %c1 = nn.conv_integer %x, %w, %none, %none {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x64x32x32xi8>, tensor<64x64x3x3xi8>, none, none) -> tensor<1x64x32x32xi32> loc("conv1")
  %y1 = nn.requantize %c1 {multiplier = array<i32: 1073741824>, shift = array<i32: 36>} : (tensor<1x64x32x32xi32>) -> tensor<1x64x32x32xi8> loc("conv1")
  %c2 = nn.conv_integer %y1, %w, %none, %none {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x64x32x32xi8>, tensor<64x64x3x3xi8>, none, none) -> tensor<1x64x32x32xi32> loc("conv2")
  %y2 = nn.requantize %c2 {multiplier = array<i32: 1073741824>, shift = array<i32: 36>} : (tensor<1x64x32x32xi32>) -> tensor<1x64x32x32xi8> loc("conv2")
  return %y2 : tensor<1x64x32x32xi8>
}
