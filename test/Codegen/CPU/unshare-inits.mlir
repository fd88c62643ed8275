// RUN: tessera-opt %s -split-input-file -tessera-cpu-unshare-inits | FileCheck %s

// Two pads share one fill and (after CSE) one interior slice: each gets its
// own fill, and its slice is cut from that fill.
// CHECK-LABEL: func.func @pads
// CHECK:         %[[E1:.*]] = tensor.empty() : tensor<1x6x6x8xf32>
// CHECK:         %[[F1:.*]] = linalg.fill {{.*}} outs(%[[E1]] : tensor<1x6x6x8xf32>)
// CHECK:         %[[E2:.*]] = tensor.empty() : tensor<1x6x6x8xf32>
// CHECK:         %[[F2:.*]] = linalg.fill {{.*}} outs(%[[E2]] : tensor<1x6x6x8xf32>)
// CHECK:         %[[S1:.*]] = tensor.extract_slice %[[F1]][0, 1, 1, 0]
// CHECK:         %[[S2:.*]] = tensor.extract_slice %[[F2]][0, 1, 1, 0]
// CHECK:         %[[C1:.*]] = linalg.copy ins(%{{.*}}) outs(%[[S2]] : tensor<1x4x4x8xf32>)
// CHECK:         tensor.insert_slice %[[C1]] into %[[F2]]
// CHECK:         %[[C2:.*]] = linalg.copy ins(%{{.*}}) outs(%[[S1]] : tensor<1x4x4x8xf32>)
// CHECK:         tensor.insert_slice %[[C2]] into %[[F1]]
func.func @pads(%x: tensor<1x4x4x8xf32>, %y: tensor<1x4x4x8xf32>) -> (tensor<1x6x6x8xf32>, tensor<1x6x6x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x6x6x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x6x6x8xf32>) -> tensor<1x6x6x8xf32>
  %s = tensor.extract_slice %f[0, 1, 1, 0] [1, 4, 4, 8] [1, 1, 1, 1] : tensor<1x6x6x8xf32> to tensor<1x4x4x8xf32>
  %c1 = linalg.copy ins(%x : tensor<1x4x4x8xf32>) outs(%s : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  %p1 = tensor.insert_slice %c1 into %f[0, 1, 1, 0] [1, 4, 4, 8] [1, 1, 1, 1] : tensor<1x4x4x8xf32> into tensor<1x6x6x8xf32>
  %c2 = linalg.copy ins(%y : tensor<1x4x4x8xf32>) outs(%s : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  %p2 = tensor.insert_slice %c2 into %f[0, 1, 1, 0] [1, 4, 4, 8] [1, 1, 1, 1] : tensor<1x4x4x8xf32> into tensor<1x6x6x8xf32>
  return %p1, %p2 : tensor<1x6x6x8xf32>, tensor<1x6x6x8xf32>
}

// -----

// A bias broadcast that initializes two convolutions is built twice.
// CHECK-LABEL: func.func @bias
// CHECK:         %[[B1:.*]] = linalg.broadcast
// CHECK:         %[[B2:.*]] = linalg.broadcast
// CHECK:         linalg.conv_2d_nhwc_hwcf {{.*}} outs(%[[B2]] : tensor<1x4x4x8xf32>)
// CHECK:         linalg.conv_2d_nhwc_hwcf {{.*}} outs(%[[B1]] : tensor<1x4x4x8xf32>)
func.func @bias(%x: tensor<1x4x4x8xf32>, %w1: tensor<1x1x8x8xf32>, %w2: tensor<1x1x8x8xf32>) -> (tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>) {
  %b = arith.constant dense<1.0> : tensor<8xf32>
  %e = tensor.empty() : tensor<1x4x4x8xf32>
  %bias = linalg.broadcast ins(%b : tensor<8xf32>) outs(%e : tensor<1x4x4x8xf32>) dimensions = [0, 1, 2]
  %c1 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w1 : tensor<1x4x4x8xf32>, tensor<1x1x8x8xf32>) outs(%bias : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  %c2 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w2 : tensor<1x4x4x8xf32>, tensor<1x1x8x8xf32>) outs(%bias : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %c1, %c2 : tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>
}

// -----

// Producers that read run-time values are left shared (the copy that
// bufferization makes is no dearer than recomputing them).
// CHECK-LABEL: func.func @negative_runtime_bias
// CHECK-COUNT-1: linalg.broadcast
// CHECK-NOT:     linalg.broadcast
func.func @negative_runtime_bias(%x: tensor<1x4x4x8xf32>, %w: tensor<1x1x8x8xf32>, %b: tensor<8xf32>) -> (tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>) {
  %e = tensor.empty() : tensor<1x4x4x8xf32>
  %bias = linalg.broadcast ins(%b : tensor<8xf32>) outs(%e : tensor<1x4x4x8xf32>) dimensions = [0, 1, 2]
  %c1 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x4x4x8xf32>, tensor<1x1x8x8xf32>) outs(%bias : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  %c2 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x4x4x8xf32>, tensor<1x1x8x8xf32>) outs(%bias : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %c1, %c2 : tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>
}
