// RUN: tessera-opt %s -split-input-file --tessera-npu-attach-hw=hw=edge "--tessera-npu-place=cost-rule=false" --tessera-npu-outline --mlir-print-debuginfo | FileCheck %s
// RUN: tessera-opt %s -split-input-file --tessera-npu-attach-hw=hw=edge "--tessera-npu-place=cost-rule=false" --tessera-npu-outline -o %t.mlir
// RUN: %python %S/Inputs/check_dram.py %t.mlir | FileCheck %s --check-prefix=DRAM

// Three chained convolutions and a matrix product. conv1's result is also
// read by a host op after conv3, so it is an output of the segment too; the
// host op closes the segment. The matrix product reads a host reshape and
// forms a second segment, without transposes (row-major operands).
// The layers' locations fuse the locations of their ops (ONNX node names).
// CHECK-LABEL: func.func @main
// CHECK:       %[[Q:.*]] = nn.quantize
// CHECK:       %[[T:.*]] = nn.transpose %[[Q]] {npu.place = "host", npu.reason = "layout: NCHW to NHWC for @segment_0", perm = array<i64: 0, 2, 3, 1>} : (tensor<1x8x8x8xi8>) -> tensor<1x8x8x8xi8>
// CHECK:       %[[L:.*]]:2 = npu.launch @segment_0(%[[T]]) : (tensor<1x8x8x8xi8>) -> (tensor<1x8x8x16xi8>, tensor<1x4x4x16xi8>) loc(#[[SEG0:.*]])
// CHECK:       %[[Y1:.*]] = nn.transpose %[[L]]#0 {npu.place = "host", npu.reason = "layout: NHWC to NCHW from @segment_0", perm = array<i64: 0, 3, 1, 2>} : (tensor<1x8x8x16xi8>) -> tensor<1x16x8x8xi8>
// CHECK:       %[[Y3:.*]] = nn.transpose %[[L]]#1 {{.*}} -> tensor<1x16x4x4xi8>
// CHECK:       nn.cast %[[Y1]]
// CHECK:       %[[F:.*]] = nn.reshape %[[Y3]]
// CHECK:       %[[M:.*]] = npu.launch @segment_1(%[[F]]) : (tensor<2x128xi8>) -> tensor<2x8xi8>
// CHECK:       return {{.*}}%[[M]]
// CHECK:       npu.program @segment_0 attributes {dram_bytes = {{[0-9]+}} : i64} {
// CHECK-NEXT:    npu.tensor input "segment_0.in0" at 0 : tensor<1x8x8x8xi8>
// CHECK-NEXT:    npu.tensor output "segment_0.out0" at 512 : tensor<1x8x8x16xi8>
// CHECK-NEXT:    npu.tensor output "segment_0.out1" at 1536 : tensor<1x4x4x16xi8>
// CHECK-NEXT:    npu.constant "conv1" at {{[0-9]+}} = dense_resource<segment_0.conv1> : tensor<{{[0-9]+}}xi8>
// CHECK-NEXT:    npu.layer "conv1" attributes {bound = "{{compute|dram|issue}}", macs = 73728 : i64, predicted_cycles = {{[0-9]+}} : i64, predicted_dram_bytes = {{[0-9]+}} : i64, predicted_energy_pj = {{.*}} : f64, tiling = "rows={{.*}}"} {
// CHECK-NEXT:      npu.config_load
// CHECK:           npu.fence
// CHECK-NEXT:    } loc(#[[CONV1:.*]])
// CHECK:         npu.layer "conv2+conv2.bias"
// CHECK:         npu.layer "conv3"
// CHECK:         npu.finish
// CHECK-NEXT:  } loc(#[[SEG0]])
// CHECK:       npu.program @segment_1
// CHECK-NEXT:    npu.tensor input "segment_1.in0" at 0 : tensor<2x128xi8>
// CHECK-NEXT:    npu.tensor output "segment_1.out0" at 256 : tensor<2x8xi8>
// CHECK:         npu.layer "fc"
// CHECK:         npu.finish
// CHECK-DAG:   #[[CONV1]] = loc("conv1")
// CHECK-DAG:   #[[C2:.*]] = loc("conv2")
// CHECK-DAG:   #[[C2B:.*]] = loc("conv2.bias")
// CHECK-DAG:   #[[C3:.*]] = loc("conv3")
// CHECK-DAG:   #[[SEG0]] = loc(fused[#[[CONV1]], #[[C2]], #[[C2B]], #[[C3]]])
// CHECK-DAG:   loc(fused[#[[C2]], #[[C2B]]])

// DRAM: segment_0: {{[0-9]+}} tensors/constants, no overlap, all below dram_bytes
// DRAM: segment_1: {{[0-9]+}} tensors/constants, no overlap, all below dram_bytes
// DRAM: segment_0: 4 tensors/constants, no overlap, all below dram_bytes

func.func @main(%arg0: tensor<1x8x8x8xf32>) -> (tensor<1x16x8x8xi32>, tensor<2x8xi8>) {
  %w1 = nn.constant dense<1> : tensor<16x8x3x3xi8>
  %b1 = nn.constant dense<7> : tensor<1x16x1x1xi32>
  %w2 = nn.constant dense<-1> : tensor<16x16x1x1xi8>
  %b2 = nn.constant dense<3> : tensor<16x1x1xi32>
  %w3 = nn.constant dense<2> : tensor<16x1x3x3xi8>
  %wf = nn.constant dense<3> : tensor<128x8xi8>
  %zp = nn.constant dense<-4> : tensor<i8>
  %shape = nn.constant dense<[2, 128]> : tensor<2xi64>
  %none = nn.none
  %x = nn.quantize %arg0 {scale = array<f32: 0.05>, zero_point = array<i32: -4>} : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xi8> loc("q")
  %c1 = nn.conv_integer %x, %w1, %zp, %none {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x8xi8>, tensor<16x8x3x3xi8>, tensor<i8>, none) -> tensor<1x16x8x8xi32> loc("conv1")
  %a1 = nn.add %c1, %b1 : (tensor<1x16x8x8xi32>, tensor<1x16x1x1xi32>) -> tensor<1x16x8x8xi32> loc("conv1")
  %y1 = nn.requantize %a1 {multiplier = array<i32: 1073741824>, shift = array<i32: 35>, zero_point = -128 : i32} : (tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi8> loc("conv1")
  %c2 = nn.conv_integer %y1, %w2, %zp, %none {kernel_shape = array<i64: 1, 1>} : (tensor<1x16x8x8xi8>, tensor<16x16x1x1xi8>, tensor<i8>, none) -> tensor<1x16x8x8xi32> loc("conv2")
  %a2 = nn.add %c2, %b2 : (tensor<1x16x8x8xi32>, tensor<16x1x1xi32>) -> tensor<1x16x8x8xi32> loc("conv2.bias")
  %y2 = nn.requantize %a2 {multiplier = array<i32: 1073741824>, shift = array<i32: 33>} : (tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi8> loc("conv2")
  %c3 = nn.conv_integer %y2, %w3, %zp, %none {group = 16 : i64, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x16x8x8xi8>, tensor<16x1x3x3xi8>, tensor<i8>, none) -> tensor<1x16x4x4xi32> loc("conv3")
  %y3 = nn.requantize %c3 {multiplier = array<i32: 1073741824>, shift = array<i32: 33>} : (tensor<1x16x4x4xi32>) -> tensor<1x16x4x4xi8> loc("conv3")
  %h = nn.cast %y1 {to = i32} : (tensor<1x16x8x8xi8>) -> tensor<1x16x8x8xi32> loc("cast")
  %f = nn.reshape %y3, %shape : (tensor<1x16x4x4xi8>, tensor<2xi64>) -> tensor<2x128xi8> loc("flatten")
  %cf = nn.matmul_integer %f, %wf, %zp, %none : (tensor<2x128xi8>, tensor<128x8xi8>, tensor<i8>, none) -> tensor<2x8xi32> loc("fc")
  %yf = nn.requantize %cf {multiplier = array<i32: 1073741824>, shift = array<i32: 40>} : (tensor<2x8xi32>) -> tensor<2x8xi8> loc("fc")
  return %h, %yf : tensor<1x16x8x8xi32>, tensor<2x8xi8>
}

// -----

// A host op between two layers that does not read the first one's result
// stays before the launch; the layers form one segment and conv1's result
// is an intermediate.
// CHECK-LABEL: func.func @independent_host_op
// CHECK:       nn.cast %arg0
// CHECK-NEXT:  nn.transpose %arg0
// CHECK-NEXT:  npu.launch @segment_0({{.*}}) : (tensor<1x4x4x16xi8>) -> tensor<1x4x4x16xi8>
// CHECK-NEXT:  nn.transpose
// CHECK-NOT:   npu.launch
// CHECK:       npu.program @segment_0
// CHECK-NEXT:    npu.tensor input "segment_0.in0" at 0 : tensor<1x4x4x16xi8>
// CHECK-NEXT:    npu.tensor output "segment_0.out0" at 256 : tensor<1x4x4x16xi8>
// CHECK-NOT:     npu.tensor
// CHECK:         npu.layer "a"
// CHECK:         npu.layer "b"
// CHECK:         npu.finish
func.func @independent_host_op(%x: tensor<1x16x4x4xi8>) -> (tensor<1x16x4x4xi8>, tensor<1x16x4x4xi32>) {
  %w = nn.constant dense<1> : tensor<16x16x1x1xi8>
  %none = nn.none
  %c1 = nn.conv_integer %x, %w, %none, %none {kernel_shape = array<i64: 1, 1>} : (tensor<1x16x4x4xi8>, tensor<16x16x1x1xi8>, none, none) -> tensor<1x16x4x4xi32> loc("a")
  %y1 = nn.requantize %c1 {multiplier = array<i32: 1073741824>, shift = array<i32: 33>} : (tensor<1x16x4x4xi32>) -> tensor<1x16x4x4xi8> loc("a")
  %h = nn.cast %x {to = i32} : (tensor<1x16x4x4xi8>) -> tensor<1x16x4x4xi32>
  %c2 = nn.conv_integer %y1, %w, %none, %none {kernel_shape = array<i64: 1, 1>} : (tensor<1x16x4x4xi8>, tensor<16x16x1x1xi8>, none, none) -> tensor<1x16x4x4xi32> loc("b")
  %y2 = nn.requantize %c2 {multiplier = array<i32: 1073741824>, shift = array<i32: 33>} : (tensor<1x16x4x4xi32>) -> tensor<1x16x4x4xi8> loc("b")
  return %y2, %h : tensor<1x16x4x4xi8>, tensor<1x16x4x4xi32>
}

// -----

// Nothing placed on the NPU: the function keeps its ops, no program.
// CHECK-LABEL: func.func @negative_host_only
// CHECK:       nn.conv_integer {{.*}}npu.place = "host"
// CHECK-NOT:   npu.launch
// CHECK-NOT:   npu.program
func.func @negative_host_only(%x: tensor<1x16x4x4xi8>) -> tensor<1x16x4x4xi32> {
  %w = nn.constant dense<1> : tensor<16x16x1x1xi8>
  %none = nn.none
  %c = nn.conv_integer %x, %w, %none, %none {kernel_shape = array<i64: 1, 1>} : (tensor<1x16x4x4xi8>, tensor<16x16x1x1xi8>, none, none) -> tensor<1x16x4x4xi32>
  return %c : tensor<1x16x4x4xi32>
}

// -----

// A host op reads conv `a`'s result before conv `b`: two segments. `b`
// takes segment_0's NHWC output as it is (no transposes back and forth).
// CHECK-LABEL: func.func @chained_segments
// CHECK:       %[[L0:.*]] = npu.launch @segment_0(%{{.*}}) : (tensor<1x4x4x16xi8>) -> tensor<1x4x4x16xi8>
// CHECK-NEXT:  %[[T0:.*]] = nn.transpose %[[L0]] {{.*}}perm = array<i64: 0, 3, 1, 2>
// CHECK-NEXT:  nn.cast %[[T0]]
// CHECK-NEXT:  %[[L1:.*]] = npu.launch @segment_1(%[[L0]]) : (tensor<1x4x4x16xi8>) -> tensor<1x4x4x16xi8>
// CHECK-NEXT:  nn.transpose %[[L1]]
func.func @chained_segments(%x: tensor<1x16x4x4xi8>) -> (tensor<1x16x4x4xi8>, tensor<1x16x4x4xi32>) {
  %w = nn.constant dense<1> : tensor<16x16x1x1xi8>
  %none = nn.none
  %c1 = nn.conv_integer %x, %w, %none, %none {kernel_shape = array<i64: 1, 1>} : (tensor<1x16x4x4xi8>, tensor<16x16x1x1xi8>, none, none) -> tensor<1x16x4x4xi32> loc("a")
  %y1 = nn.requantize %c1 {multiplier = array<i32: 1073741824>, shift = array<i32: 33>} : (tensor<1x16x4x4xi32>) -> tensor<1x16x4x4xi8> loc("a")
  %h = nn.cast %y1 {to = i32} : (tensor<1x16x4x4xi8>) -> tensor<1x16x4x4xi32>
  %c2 = nn.conv_integer %y1, %w, %none, %none {kernel_shape = array<i64: 1, 1>} : (tensor<1x16x4x4xi8>, tensor<16x16x1x1xi8>, none, none) -> tensor<1x16x4x4xi32> loc("b")
  %y2 = nn.requantize %c2 {multiplier = array<i32: 1073741824>, shift = array<i32: 33>} : (tensor<1x16x4x4xi32>) -> tensor<1x16x4x4xi8> loc("b")
  return %y2, %h : tensor<1x16x4x4xi8>, tensor<1x16x4x4xi32>
}
