// Two chained convolutions form one segment; the small matrix product
// behind a host reshape would be a segment of its own and is faster on the
// host by the cost rule (its reason gives both times); the placement file
// overrides that and sends conv2 to the host (conv1, now alone, still pays
// off on edge's double-buffered array). The report lists every node.
// RUN: tessera-opt %s --tessera-npu-attach-hw=hw=edge "--tessera-npu-place=report=true report-json=%t.json" | FileCheck %s
// RUN: FileCheck %s --check-prefix=JSON < %t.json
// RUN: tessera-opt %s --tessera-npu-attach-hw=hw=edge "--tessera-npu-place=placement-file=%S/Inputs/placement.json report-json=-" | FileCheck %s --check-prefix=FILE
// RUN: tessera-opt %s --tessera-npu-attach-hw=hw=edge "--tessera-npu-place=cost-rule=false host-gmacs=1000" | FileCheck %s --check-prefix=NORULE

// CHECK:      placement on edge: 2 layers on the NPU in 1 segments, 4 ops on the host
// CHECK-NEXT: node  op  place  segment  cycles  tiling / reason
// CHECK-NEXT: input.quantize  nn.quantize  host  -  -  not in the NPU's repertoire (it runs int8 conv/matmul with constant weights and a requantize epilogue, max/average/global pooling, and with ISA v2 the integer residual Add and lookup-table activations)
// CHECK-NEXT: conv1  nn.conv_integer+nn.add+nn.requantize  npu  segment_0  {{[0-9]+}}  rows={{[0-9]+}} ch=16 {{.*}}
// CHECK-NEXT: conv2  nn.conv_integer+nn.requantize  npu  segment_0  {{[0-9]+}}  rows=
// CHECK-NEXT: flatten  nn.reshape  host  -  -  not in the NPU's repertoire
// CHECK-NEXT: fc  nn.matmul_integer+nn.add+nn.requantize  host  -  -  cheaper on the host: 0.51 us at 20.0 GMAC/s vs {{[0-9.]+}} us on the NPU ({{[0-9.]+}} us compute + 0.10 us moving 1034 bytes at 10.0 GB/s)
// CHECK-NEXT: output.dequantize  nn.dequantize  host  -  -  not in the NPU's repertoire
// CHECK:      nn.matmul_integer {{.*}}npu.place = "host", npu.reason = "cheaper on the host: 0.51 us

// JSON:      "hardware": "edge",
// JSON:      "node": "conv1",
// JSON-NEXT: "op": "nn.conv_integer+nn.add+nn.requantize",
// JSON-NEXT: "place": "npu",
// JSON-NEXT: "segment": "segment_0",
// JSON-NEXT: "tiling": "rows=
// JSON-NEXT: "predicted_cycles": {{[0-9]+}}
// JSON:      "node": "fc",
// JSON-NEXT: "op": "nn.matmul_integer+nn.add+nn.requantize",
// JSON-NEXT: "place": "host",
// JSON-NEXT: "reason": "cheaper on the host: 0.51 us

// FILE:      "node": "conv1",
// FILE:      "place": "npu",
// FILE:      "node": "conv2",
// FILE:      "place": "host",
// FILE-NEXT: "reason": "placed on the host by placement file '{{.*}}placement.json'"
// FILE:      "node": "fc",
// FILE:      "place": "npu",
// FILE-NEXT: "segment": "segment_1",
// FILE:      nn.conv_integer {{.*}}npu.place = "npu"
// FILE:      nn.conv_integer {{.*}}npu.place = "host", npu.reason = "placed on the host by placement file
// FILE:      nn.matmul_integer {{.*}}npu.place = "npu"

// NORULE:    nn.conv_integer {{.*}}npu.place = "npu"
// NORULE:    nn.conv_integer {{.*}}npu.place = "npu"
// NORULE:    nn.matmul_integer {{.*}}npu.place = "npu"

func.func @main(%arg0: tensor<1x3x8x8xf32>) -> tensor<1x10xf32> {
  %w1 = nn.constant dense<1> : tensor<16x3x3x3xi8>
  %b1 = nn.constant dense<7> : tensor<1x16x1x1xi32>
  %w2 = nn.constant dense<-1> : tensor<16x16x1x1xi8>
  %wf = nn.constant dense<3> : tensor<1024x10xi8>
  %bf = nn.constant dense<5> : tensor<10xi32>
  %zp = nn.constant dense<-4> : tensor<i8>
  %shape = nn.constant dense<[1, 1024]> : tensor<2xi64>
  %none = nn.none
  %x = nn.quantize %arg0 {scale = array<f32: 0.05>, zero_point = array<i32: -4>} : (tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xi8> loc("input.quantize")
  %c1 = nn.conv_integer %x, %w1, %zp, %none {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xi8>, tensor<16x3x3x3xi8>, tensor<i8>, none) -> tensor<1x16x8x8xi32> loc("conv1")
  %a1 = nn.add %c1, %b1 : (tensor<1x16x8x8xi32>, tensor<1x16x1x1xi32>) -> tensor<1x16x8x8xi32> loc("conv1")
  %y1 = nn.requantize %a1 {multiplier = array<i32: 1073741824>, shift = array<i32: 35>, zero_point = -128 : i32} : (tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi8> loc("conv1")
  %c2 = nn.conv_integer %y1, %w2, %zp, %none {kernel_shape = array<i64: 1, 1>} : (tensor<1x16x8x8xi8>, tensor<16x16x1x1xi8>, tensor<i8>, none) -> tensor<1x16x8x8xi32> loc("conv2")
  %y2 = nn.requantize %c2 {multiplier = array<i32: 1073741824>, shift = array<i32: 33>} : (tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi8> loc("conv2")
  %f = nn.reshape %y2, %shape : (tensor<1x16x8x8xi8>, tensor<2xi64>) -> tensor<1x1024xi8> loc("flatten")
  %cf = nn.matmul_integer %f, %wf, %zp, %none : (tensor<1x1024xi8>, tensor<1024x10xi8>, tensor<i8>, none) -> tensor<1x10xi32> loc("fc")
  %af = nn.add %cf, %bf : (tensor<1x10xi32>, tensor<10xi32>) -> tensor<1x10xi32> loc("fc")
  %yf = nn.requantize %af {multiplier = array<i32: 1073741824>, shift = array<i32: 40>} : (tensor<1x10xi32>) -> tensor<1x10xi8> loc("fc")
  %out = nn.dequantize %yf {scale = array<f32: 0.1>, zero_point = array<i32: 0>} : (tensor<1x10xi8>) -> tensor<1x10xf32> loc("output.dequantize")
  return %out : tensor<1x10xf32>
}
