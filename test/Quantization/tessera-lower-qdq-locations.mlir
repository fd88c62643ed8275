// RUN: tessera-opt %s -tessera-lower-qdq -mlir-print-debuginfo | FileCheck %s

// The integer graph keeps every merged ONNX node name: the ops built for
// the conv carry the FusedLoc of the Conv, the Relu, the output
// QuantizeLinear, the weight's and the input's DequantizeLinear; the int8
// MaxPool that of the MaxPool, its QuantizeLinear and its input's
// DequantizeLinear.
// CHECK-LABEL: func.func @locations
// CHECK: nn.conv_integer {{.*}} loc(#[[CONV:.*]])
// CHECK: nn.requantize {{.*}} loc(#[[CONV]])
// CHECK: nn.max_pool {{.*}} loc(#[[POOL:[a-z0-9]+]])
// CHECK-DAG: #[[CONV]] = loc(fused[#{{.*}}, #{{.*}}, #{{.*}}, #{{.*}}, #{{.*}}])
// CHECK-DAG: #[[POOL]] = loc(fused[#{{.*}}, #{{.*}}, #{{.*}}])
// CHECK-DAG: loc("conv1")
// CHECK-DAG: loc("relu1")
// CHECK-DAG: loc("conv1_out_Q")
// CHECK-DAG: loc("w1_DQ")
// CHECK-DAG: loc("in_DQ")
// CHECK-DAG: loc("pool1")
// CHECK-DAG: loc("pool1_Q")
// CHECK-DAG: loc("conv1_out_DQ")
func.func @locations(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {
  %s = nn.constant dense<0.1> : tensor<f32>
  %z = nn.constant dense<0> : tensor<i8>
  %w = nn.constant dense<2> : tensor<1x1x1x1xi8>
  %none = nn.none
  %xq = nn.quantize_linear %x, %s, %z : (tensor<1x1x4x4xf32>, tensor<f32>, tensor<i8>) -> tensor<1x1x4x4xi8> loc("in_Q")
  %xd = nn.dequantize_linear %xq, %s, %z : (tensor<1x1x4x4xi8>, tensor<f32>, tensor<i8>) -> tensor<1x1x4x4xf32> loc("in_DQ")
  %wd = nn.dequantize_linear %w, %s, %z : (tensor<1x1x1x1xi8>, tensor<f32>, tensor<i8>) -> tensor<1x1x1x1xf32> loc("w1_DQ")
  %c = nn.conv %xd, %wd, %none : (tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>, none) -> tensor<1x1x4x4xf32> loc("conv1")
  %r = nn.relu %c : (tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> loc("relu1")
  %yq = nn.quantize_linear %r, %s, %z : (tensor<1x1x4x4xf32>, tensor<f32>, tensor<i8>) -> tensor<1x1x4x4xi8> loc("conv1_out_Q")
  %yd = nn.dequantize_linear %yq, %s, %z : (tensor<1x1x4x4xi8>, tensor<f32>, tensor<i8>) -> tensor<1x1x4x4xf32> loc("conv1_out_DQ")
  %p:2 = nn.max_pool %yd {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x1x4x4xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>) loc("pool1")
  %pq = nn.quantize_linear %p#0, %s, %z : (tensor<1x1x2x2xf32>, tensor<f32>, tensor<i8>) -> tensor<1x1x2x2xi8> loc("pool1_Q")
  %pd = nn.dequantize_linear %pq, %s, %z : (tensor<1x1x2x2xi8>, tensor<f32>, tensor<i8>) -> tensor<1x1x2x2xf32> loc("pool1_DQ")
  return %pd : tensor<1x1x2x2xf32>
}
