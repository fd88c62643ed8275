// RUN: tessera-opt %s -split-input-file -convert-nn-to-linalg | FileCheck %s

// ONNX DynamicQuantizeLinear: min(0, min(x)) and max(0, max(x)) reduce into
// 0-d accumulators that start at 0; y_scale = (hi - lo) / 255, the zero point
// is saturate(round_half_to_even(-lo / y_scale)) in [0, 255], and y quantizes
// x with both (0 when the scale is 0, an all-zero input).
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ALL:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-DAG: #[[S:.*]] = affine_map<() -> ()>
// CHECK-LABEL: func.func @dynamic_quantize_linear
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3xf32>) -> (tensor<2x3xi8>, tensor<f32>, tensor<i8>)
// CHECK:         %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[INIT0:.*]] = linalg.fill ins(%[[ZERO]] : f32)
// CHECK:         %[[LO:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ALL]]], iterator_types = ["reduction", "reduction"]} ins(%[[X]] : tensor<2x3xf32>) outs(%[[INIT0]] : tensor<f32>)
// CHECK:           arith.minimumf
// CHECK:         %[[INIT1:.*]] = linalg.fill
// CHECK:         %[[HI:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<2x3xf32>) outs(%[[INIT1]] : tensor<f32>)
// CHECK:           arith.maximumf
// CHECK:         %[[SCALE:.*]] = linalg.generic {indexing_maps = [#[[S]], #[[S]], #[[S]]], iterator_types = []} ins(%[[LO]], %[[HI]] : tensor<f32>, tensor<f32>)
// CHECK:           %[[RANGE:.*]] = arith.subf %{{.*}}, %{{.*}} : f32
// CHECK:           %[[C255:.*]] = arith.constant 2.550000e+02 : f32
// CHECK:           arith.divf %[[RANGE]], %[[C255]] : f32
// CHECK:         %[[ZP:.*]] = linalg.generic {{.*}} ins(%[[LO]], %[[SCALE]] : tensor<f32>, tensor<f32>) outs(%{{.*}} : tensor<i8>)
// CHECK:           arith.negf
// CHECK:           arith.cmpf oeq
// CHECK:           arith.divf
// CHECK:           arith.select
// CHECK:           math.roundeven
// CHECK:           arith.maximumf
// CHECK:           arith.minimumf
// CHECK:           arith.fptoui %{{.*}} : f32 to i8
// CHECK:         %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ALL]], #[[ALL]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[SCALE]], %[[ZP]] : tensor<2x3xf32>, tensor<f32>, tensor<i8>)
// CHECK:           arith.divf
// CHECK:           math.roundeven
// CHECK:           arith.uitofp %{{.*}} : i8 to f32
// CHECK:           arith.addf
// CHECK:           arith.fptoui %{{.*}} : f32 to i8
// CHECK:         return %[[Y]], %[[SCALE]], %[[ZP]]
func.func @dynamic_quantize_linear(%x: tensor<2x3xf32>) -> (tensor<2x3xui8>, tensor<f32>, tensor<ui8>) {
  %y, %s, %zp = nn.dynamic_quantize_linear %x : (tensor<2x3xf32>) -> (tensor<2x3xui8>, tensor<f32>, tensor<ui8>)
  return %y, %s, %zp : tensor<2x3xui8>, tensor<f32>, tensor<ui8>
}

// -----

// A 0-d input reduces over no loops.
// CHECK-LABEL: func.func @dynamic_quantize_linear_scalar
// CHECK:         linalg.generic {{.*}} iterator_types = []
// CHECK:           arith.minimumf
// CHECK-NOT:     nn.dynamic_quantize_linear
func.func @dynamic_quantize_linear_scalar(%x: tensor<f32>) -> (tensor<ui8>, tensor<f32>, tensor<ui8>) {
  %y, %s, %zp = nn.dynamic_quantize_linear %x : (tensor<f32>) -> (tensor<ui8>, tensor<f32>, tensor<ui8>)
  return %y, %s, %zp : tensor<ui8>, tensor<f32>, tensor<ui8>
}
