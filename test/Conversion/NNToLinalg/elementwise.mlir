// RUN: tessera-opt %s -split-input-file -convert-nn-to-linalg | FileCheck %s

// CHECK-LABEL: func.func @relu
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<2x3xf32>
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%{{.*}} : tensor<2x3xf32>) outs(%[[E]] : tensor<2x3xf32>)
// CHECK:           arith.maximumf
func.func @relu(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = nn.relu %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// Broadcast operands read index 0 along their size-1 dims.
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @add_broadcast
// CHECK:         linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]]
// CHECK:           arith.addf
func.func @add_broadcast(%x: tensor<4x3xf32>, %y: tensor<1x3xf32>) -> tensor<4x3xf32> {
  %z = nn.add %x, %y : (tensor<4x3xf32>, tensor<1x3xf32>) -> tensor<4x3xf32>
  return %z : tensor<4x3xf32>
}

// -----

// Unsigned types become signless; the ops keep unsigned semantics.
// CHECK-LABEL: func.func @unsigned_div
// CHECK-SAME:    (%{{.*}}: tensor<4xi8>, %{{.*}}: tensor<4xi8>) -> tensor<4xi8>
// CHECK:         arith.divui
func.func @unsigned_div(%x: tensor<4xui8>, %y: tensor<4xui8>) -> tensor<4xui8> {
  %z = nn.div %x, %y : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %z : tensor<4xui8>
}

// -----

// CHECK-LABEL: func.func @cast_unsigned_to_float
// CHECK:         arith.uitofp
func.func @cast_unsigned_to_float(%x: tensor<4xui8>) -> tensor<4xf32> {
  %z = nn.cast %x {to = f32} : (tensor<4xui8>) -> tensor<4xf32>
  return %z : tensor<4xf32>
}

// -----

// Clip's bounds are read once, outside the loop.
// CHECK-LABEL: func.func @clip
// CHECK:         %[[LO:.*]] = tensor.extract
// CHECK:         linalg.generic
// CHECK:           arith.maxnumf %{{.*}}, %[[LO]]
// CHECK-NOT:       arith.minnumf
func.func @clip(%x: tensor<4xf32>, %lo: tensor<f32>) -> tensor<4xf32> {
  %none = nn.none
  %z = nn.clip %x, %lo, %none : (tensor<4xf32>, tensor<f32>, none) -> tensor<4xf32>
  return %z : tensor<4xf32>
}

// -----

// Weights stay dense resources through the lowering.
// CHECK-LABEL: func.func @constant
// CHECK:         arith.constant dense_resource<w> : tensor<2xi8>
func.func @constant() -> tensor<2xui8> {
  %w = nn.constant dense_resource<w> : tensor<2xui8>
  return %w : tensor<2xui8>
}
{-#
  dialect_resources: {
    builtin: {
      w: "0x010000000102"
    }
  }
#-}

// -----

// The trigonometric and hyperbolic family maps one to one onto math ops.
// CHECK-LABEL: func.func @trigonometry
// CHECK:         math.sin
// CHECK:         math.acos
// CHECK:         math.atanh
func.func @trigonometry(%x: tensor<4xf32>) -> tensor<4xf32> {
  %a = nn.sin %x : (tensor<4xf32>) -> tensor<4xf32>
  %b = nn.acos %a : (tensor<4xf32>) -> tensor<4xf32>
  %c = nn.atanh %b : (tensor<4xf32>) -> tensor<4xf32>
  return %c : tensor<4xf32>
}

// -----

// Shrink: below -lambd add the bias, above lambd subtract it, else 0.
// CHECK-LABEL: func.func @shrink
// CHECK:         %[[NL:.*]] = arith.constant -1.500000e+00 : f32
// CHECK:         %[[BELOW:.*]] = arith.cmpf olt, %[[X:.*]], %[[NL]]
// CHECK:         %[[L:.*]] = arith.constant 1.500000e+00 : f32
// CHECK:         %[[ABOVE:.*]] = arith.cmpf ogt, %[[X]], %[[L]]
// CHECK:         %[[B:.*]] = arith.constant 5.000000e-01 : f32
// CHECK:         %[[PLUS:.*]] = arith.addf %[[X]], %[[B]]
// CHECK:         %[[B2:.*]] = arith.constant 5.000000e-01 : f32
// CHECK:         %[[MINUS:.*]] = arith.subf %[[X]], %[[B2]]
// CHECK:         %[[REST:.*]] = arith.select %[[ABOVE]], %[[MINUS]]
// CHECK:         arith.select %[[BELOW]], %[[PLUS]], %[[REST]]
func.func @shrink(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = nn.shrink %x {lambd = 1.5 : f32, bias = 0.5 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// Sign of an unsigned integer is 0 or 1; GreaterOrEqual of unsigned
// operands compares unsigned.
// CHECK-LABEL: func.func @unsigned_sign_ge
// CHECK:         arith.cmpi ne
// CHECK:         arith.cmpi uge
func.func @unsigned_sign_ge(%x: tensor<4xui8>, %y: tensor<4xui8>) -> tensor<4xi1> {
  %s = nn.sign %x : (tensor<4xui8>) -> tensor<4xui8>
  %z = nn.greater_or_equal %s, %y : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xi1>
  return %z : tensor<4xi1>
}

// -----

// ThresholdedRelu keeps x above alpha; LessOrEqual of floats is ole.
// CHECK-LABEL: func.func @thresholded_relu_le
// CHECK:         arith.cmpf ogt
// CHECK:         arith.cmpf ole
func.func @thresholded_relu_le(%x: tensor<4xf32>) -> tensor<4xi1> {
  %t = nn.thresholded_relu %x {alpha = 2.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  %z = nn.less_or_equal %t, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  return %z : tensor<4xi1>
}
