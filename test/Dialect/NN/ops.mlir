// RUN: tessera-opt %s | tessera-opt | FileCheck %s
// RUN: tessera-opt %s --mlir-print-op-generic | tessera-opt | FileCheck %s

// Round trip of representative ops of each family, with types that their
// shape functions accept.

// CHECK-LABEL: func.func @conv_family
func.func @conv_family(%x: tensor<1x3x32x32xf32>, %w: tensor<8x3x3x3xf32>, %b: tensor<8xf32>) -> tensor<1x8x16x16xf32> {
  // Default-valued attributes (group = 1) are elided.
  // CHECK: nn.conv %{{.*}}, %{{.*}}, %{{.*}} {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
  %y = nn.conv %x, %w, %b {group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x32x32xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<1x8x16x16xf32>
  return %y : tensor<1x8x16x16xf32>
}

// CHECK-LABEL: func.func @same_padding
func.func @same_padding(%x: tensor<1x3x15x15xf32>, %w: tensor<8x3x3x3xf32>) -> tensor<1x8x8x8xf32> {
  %none = nn.none
  // CHECK: nn.conv {{.*}} {auto_pad = "SAME_UPPER", strides = array<i64: 2, 2>}
  %y = nn.conv %x, %w, %none {auto_pad = "SAME_UPPER", strides = array<i64: 2, 2>} : (tensor<1x3x15x15xf32>, tensor<8x3x3x3xf32>, none) -> tensor<1x8x8x8xf32>
  return %y : tensor<1x8x8x8xf32>
}

// CHECK-LABEL: func.func @pools
func.func @pools(%x: tensor<1x8x7x7xf32>) -> (tensor<1x8x4x4xf32>, tensor<1x8x4x4xi64>, tensor<1x8x1x1xf32>) {
  // CHECK: nn.max_pool {{.*}} -> (tensor<1x8x4x4xf32>, tensor<1x8x4x4xi64>)
  %y, %i = nn.max_pool %x {ceil_mode = 1 : i64, kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x8x7x7xf32>) -> (tensor<1x8x4x4xf32>, tensor<1x8x4x4xi64>)
  // CHECK: nn.global_average_pool
  %g = nn.global_average_pool %x : (tensor<1x8x7x7xf32>) -> tensor<1x8x1x1xf32>
  return %y, %i, %g : tensor<1x8x4x4xf32>, tensor<1x8x4x4xi64>, tensor<1x8x1x1xf32>
}

// CHECK-LABEL: func.func @matmuls
func.func @matmuls(%a: tensor<2x1x4x8xf32>, %b: tensor<3x8x5xf32>, %g: tensor<8x4xf32>, %c: tensor<5xf32>, %h: tensor<5x4xf32>) -> (tensor<2x3x4x5xf32>, tensor<8x5xf32>) {
  // CHECK: nn.matmul {{.*}} -> tensor<2x3x4x5xf32>
  %m = nn.matmul %a, %b : (tensor<2x1x4x8xf32>, tensor<3x8x5xf32>) -> tensor<2x3x4x5xf32>
  // CHECK: nn.gemm {{.*}} {transB = 1 : i64}
  %n = nn.gemm %g, %h, %c {transB = 1 : i64} : (tensor<8x4xf32>, tensor<5x4xf32>, tensor<5xf32>) -> tensor<8x5xf32>
  return %m, %n : tensor<2x3x4x5xf32>, tensor<8x5xf32>
}

// CHECK-LABEL: func.func @einsum
func.func @einsum(%a: tensor<2x3x4xf32>, %b: tensor<2x4x5xf32>) -> tensor<2x3x5xf32> {
  // CHECK: nn.einsum {{.*}} {equation = "bij,bjk->bik"}
  %y = nn.einsum %a, %b {equation = "bij,bjk->bik"} : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>
  return %y : tensor<2x3x5xf32>
}

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%x: tensor<4x1xf32>, %y: tensor<3xf32>) -> (tensor<4x3xf32>, tensor<4x3xi1>, tensor<4x1xf16>) {
  // CHECK: nn.add {{.*}} -> tensor<4x3xf32>
  %s = nn.add %x, %y : (tensor<4x1xf32>, tensor<3xf32>) -> tensor<4x3xf32>
  // CHECK: nn.less {{.*}} -> tensor<4x3xi1>
  %l = nn.less %x, %y : (tensor<4x1xf32>, tensor<3xf32>) -> tensor<4x3xi1>
  // CHECK: nn.cast {{.*}} {to = f16}
  %c = nn.cast %x {to = f16} : (tensor<4x1xf32>) -> tensor<4x1xf16>
  return %s, %l, %c : tensor<4x3xf32>, tensor<4x3xi1>, tensor<4x1xf16>
}

// CHECK-LABEL: func.func @layout
func.func @layout(%x: tensor<1x8x4x6xf32>, %idx: tensor<2x3xi64>) -> (tensor<1x6x4x8xf32>, tensor<1x2x3x4x6xf32>, tensor<1x2x8x12xf32>, tensor<1x8x4x6xf32>) {
  // CHECK: nn.transpose
  %t = nn.transpose %x {perm = array<i64: 0, 3, 2, 1>} : (tensor<1x8x4x6xf32>) -> tensor<1x6x4x8xf32>
  // CHECK: nn.gather
  %g = nn.gather %x, %idx {axis = 1 : i64} : (tensor<1x8x4x6xf32>, tensor<2x3xi64>) -> tensor<1x2x3x4x6xf32>
  // CHECK: nn.depth_to_space
  %d = nn.depth_to_space %x {blocksize = 2 : i64} : (tensor<1x8x4x6xf32>) -> tensor<1x2x8x12xf32>
  // CHECK: nn.split {{.*}} -> (tensor<1x4x4x6xf32>, tensor<1x4x4x6xf32>)
  %none = nn.none
  %a, %b = nn.split %x, %none {axis = 1 : i64} : (tensor<1x8x4x6xf32>, none) -> (tensor<1x4x4x6xf32>, tensor<1x4x4x6xf32>)
  // CHECK: nn.concat
  %c = nn.concat %a, %b {axis = 1 : i64} : (tensor<1x4x4x6xf32>, tensor<1x4x4x6xf32>) -> tensor<1x8x4x6xf32>
  return %t, %g, %d, %c : tensor<1x6x4x8xf32>, tensor<1x2x3x4x6xf32>, tensor<1x2x8x12xf32>, tensor<1x8x4x6xf32>
}

// CHECK-LABEL: func.func @quantized
func.func @quantized(%x: tensor<1x4x8x8xf32>, %s: tensor<f32>, %zp: tensor<i8>, %w: tensor<2x4x1x1xi8>, %ws: tensor<2xf32>, %wzp: tensor<2xi8>) -> tensor<1x2x8x8xf32> {
  // CHECK: nn.quantize_linear {{.*}} -> tensor<1x4x8x8xi8>
  %q = nn.quantize_linear %x, %s, %zp : (tensor<1x4x8x8xf32>, tensor<f32>, tensor<i8>) -> tensor<1x4x8x8xi8>
  %none = nn.none
  // CHECK: nn.qlinear_conv
  %y = nn.qlinear_conv %q, %s, %zp, %w, %ws, %wzp, %s, %zp, %none : (tensor<1x4x8x8xi8>, tensor<f32>, tensor<i8>, tensor<2x4x1x1xi8>, tensor<2xf32>, tensor<2xi8>, tensor<f32>, tensor<i8>, none) -> tensor<1x2x8x8xi8>
  // CHECK: nn.dequantize_linear {{.*}} -> tensor<1x2x8x8xf32>
  %d = nn.dequantize_linear %y, %s, %zp : (tensor<1x2x8x8xi8>, tensor<f32>, tensor<i8>) -> tensor<1x2x8x8xf32>
  return %d : tensor<1x2x8x8xf32>
}

// Declared types may be less static than the inferred ones.
// CHECK-LABEL: func.func @less_static
func.func @less_static(%x: tensor<2x3xf32>) -> tensor<?x?xf32> {
  // CHECK: nn.relu {{.*}} -> tensor<?x?xf32>
  %y = nn.relu %x : (tensor<2x3xf32>) -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}
