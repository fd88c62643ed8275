// RUN: tessera-opt %s --tessera-gpu-gemmify --mlir-elide-elementsattrs-if-larger=16 | FileCheck %s --check-prefixes=CHECK,FP32
// RUN: tessera-opt %s --tessera-gpu-gemmify="precision=fp16" --mlir-elide-elementsattrs-if-larger=16 | FileCheck %s --check-prefixes=CHECK,FP16
// RUN: tessera-opt %s --tessera-gpu-gemmify="chip=sm_90a precision=fp16" --mlir-elide-elementsattrs-if-larger=16 | FileCheck %s --check-prefix=WGMMA

// Each product becomes a pack of its operands into zero-padded GEMM operands
// (f16 with precision=fp16), one padded matmul marked with the GEMM kind, and
// an unpack that reads the result and adds the original accumulator.

// CHECK-LABEL: func.func @matmul(
// CHECK-SAME:      %[[A:.*]]: tensor<8x16xf32>, %[[B:.*]]: tensor<16x24xf32>)
// CHECK:         %[[INIT:.*]] = linalg.fill
// FP32:          %[[PA:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<128x16xf32>)
// FP16:          %[[PA:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<128x32xf16>)
// CHECK:           linalg.index 0
// CHECK:           arith.cmpi ult
// CHECK:           tensor.extract %[[A]]
// FP16:            arith.truncf %{{.*}} : f32 to f16
// CHECK:           arith.select
// CHECK:           linalg.yield
// FP32:          %[[PB:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<16x128xf32>)
// FP16:          %[[PB:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<32x128xf16>)
// CHECK:           tensor.extract %[[B]]
// CHECK:         %[[ZERO:.*]] = linalg.fill {{.*}} -> tensor<128x128xf32>
// FP32:          %[[C:.*]] = linalg.matmul {tessera.gpu.gemm = "simt"} ins(%[[PA]], %[[PB]] : tensor<128x16xf32>, tensor<16x128xf32>) outs(%[[ZERO]] : tensor<128x128xf32>)
// FP16:          %[[C:.*]] = linalg.matmul {tessera.gpu.gemm = "mma"} ins(%[[PA]], %[[PB]] : tensor<128x32xf16>, tensor<32x128xf16>) outs(%[[ZERO]] : tensor<128x128xf32>)
// CHECK:         %[[R:.*]] = linalg.generic {{.*}} ins(%[[INIT]] : tensor<8x24xf32>)
// CHECK:           %[[E:.*]] = tensor.extract %[[C]]
// CHECK:           arith.addf %[[E]], %{{.*}} : f32
// CHECK:         return %[[R]] : tensor<8x24xf32>
// WGMMA-LABEL: func.func @matmul(
// WGMMA:         linalg.matmul {tessera.gpu.gemm = "wgmma"} {{.*}} : tensor<128x64xf16>, tensor<64x128xf16>
func.func @matmul(%a: tensor<8x16xf32>, %b: tensor<16x24xf32>) -> tensor<8x24xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x24xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<8x24xf32>) -> tensor<8x24xf32>
  %r = linalg.matmul ins(%a, %b : tensor<8x16xf32>, tensor<16x24xf32>) outs(%f : tensor<8x24xf32>) -> tensor<8x24xf32>
  return %r : tensor<8x24xf32>
}

// A constant operand is packed at compile time; a broadcast bias becomes the
// padded GEMM's accumulator (the unpack only moves values).
// CHECK-LABEL: func.func @const_weight(
// FP32:          %[[W:.*]] = arith.constant dense_resource<__elided__> : tensor<16x128xf32>
// FP16:          %[[W:.*]] = arith.constant dense_resource<__elided__> : tensor<32x128xf16>
// CHECK:         %[[PBIAS:.*]] = arith.constant dense_resource<__elided__> : tensor<128xf32>
// CHECK:         %[[ACC:.*]] = linalg.broadcast ins(%[[PBIAS]] : tensor<128xf32>) outs(%{{.*}} : tensor<128x128xf32>) dimensions = [0]
// CHECK:         %[[C:.*]] = linalg.matmul {tessera.gpu.gemm = "{{simt|mma}}"} ins(%{{.*}}, %[[W]] : {{.*}}) outs(%[[ACC]] : tensor<128x128xf32>)
// CHECK:         %[[R:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<8x24xf32>)
// CHECK:           %[[E:.*]] = tensor.extract %[[C]]
// CHECK-NEXT:      linalg.yield %[[E]] : f32
// CHECK:         return %[[R]]
func.func @const_weight(%a: tensor<8x16xf32>) -> tensor<8x24xf32> {
  %w = arith.constant dense<0.5> : tensor<16x24xf32>
  %bias = arith.constant dense<1.0> : tensor<24xf32>
  %e = tensor.empty() : tensor<8x24xf32>
  %bb = linalg.broadcast ins(%bias : tensor<24xf32>) outs(%e : tensor<8x24xf32>) dimensions = [0]
  %r = linalg.matmul ins(%a, %w : tensor<8x16xf32>, tensor<16x24xf32>) outs(%bb : tensor<8x24xf32>) -> tensor<8x24xf32>
  return %r : tensor<8x24xf32>
}

// A product of two activations with batch dimensions: a padded batch_matmul
// (on sm_90a too it is an mma.sync GEMM: the warpgroup kernel is 2-D).
// CHECK-LABEL: func.func @bmm(
// FP32:          linalg.generic {{.*}} outs(%{{.*}} : tensor<2x128x16xf32>)
// FP16:          linalg.generic {{.*}} outs(%{{.*}} : tensor<2x128x32xf16>)
// FP32:          linalg.generic {{.*}} outs(%{{.*}} : tensor<2x16x128xf32>)
// FP16:          linalg.generic {{.*}} outs(%{{.*}} : tensor<2x32x128xf16>)
// FP32:          %[[C:.*]] = linalg.batch_matmul {tessera.gpu.gemm = "simt"} {{.*}} -> tensor<2x128x128xf32>
// FP16:          %[[C:.*]] = linalg.batch_matmul {tessera.gpu.gemm = "mma"} {{.*}} -> tensor<2x128x128xf32>
// CHECK:         linalg.generic {{.*}} outs(%{{.*}} : tensor<2x8x8xf32>)
// CHECK:           tensor.extract %[[C]][%{{.*}}, %{{.*}}, %{{.*}}] : tensor<2x128x128xf32>
// WGMMA-LABEL: func.func @bmm(
// WGMMA:         linalg.batch_matmul {tessera.gpu.gemm = "mma"}
func.func @bmm(%a: tensor<2x8x16xf32>, %b: tensor<2x16x8xf32>) -> tensor<2x8x8xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x8x8xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %r = linalg.batch_matmul ins(%a, %b : tensor<2x8x16xf32>, tensor<2x16x8xf32>) outs(%f : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  return %r : tensor<2x8x8xf32>
}

// A convolution: im2col of the input (rows: output pixels, columns: C*KH*KW
// padded), the filter packed at compile time, the unpack back to NCHW.
// CHECK-LABEL: func.func @conv(
// CHECK-SAME:      %[[X:.*]]: tensor<1x3x10x10xf32>)
// CHECK-NOT:     linalg.conv_2d
// FP32:          %[[COL:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<128x32xf32>)
// FP16:          %[[COL:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<128x32xf16>)
// CHECK:           tensor.extract %[[X]][%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : tensor<1x3x10x10xf32>
// FP32:          %[[W:.*]] = arith.constant dense_resource<__elided__> : tensor<32x128xf32>
// FP16:          %[[W:.*]] = arith.constant dense_resource<__elided__> : tensor<32x128xf16>
// CHECK:         %[[C:.*]] = linalg.matmul {tessera.gpu.gemm = "{{simt|mma}}"} ins(%[[COL]], %[[W]] :
// CHECK:         linalg.generic {{.*}} outs(%{{.*}} : tensor<1x16x8x8xf32>)
// CHECK:           tensor.extract %[[C]]
// CHECK-NOT:     linalg.conv_2d
func.func @conv(%x: tensor<1x3x10x10xf32>) -> tensor<1x16x8x8xf32> {
  %w = arith.constant dense<0.25> : tensor<16x3x3x3xf32>
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x16x8x8xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x3x10x10xf32>, tensor<16x3x3x3xf32>) outs(%f : tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  return %r : tensor<1x16x8x8xf32>
}
