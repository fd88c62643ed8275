// RUN: tessera-opt %s -split-input-file -convert-nn-to-linalg | FileCheck %s

// nn.requantize in integer arithmetic only, exactly as
// tessera::npu::requantize: p = sext(acc) * multiplier in i64, the rounding
// shift floor(p / 2^s) + bit (s-1) of p, + zero point, clamp, trunci.
// CHECK-LABEL: func.func @requantize_per_tensor
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%{{.*}} : tensor<2x8xi32>) outs(%{{.*}} : tensor<2x8xi8>)
// CHECK:           %[[A:.*]] = arith.extsi %{{.*}} : i32 to i64
// CHECK-DAG:       %[[M:.*]] = arith.constant 1690499128 : i64
// CHECK-DAG:       %[[S:.*]] = arith.constant 37 : i64
// CHECK:           %[[P:.*]] = arith.muli %[[A]], %[[M]] : i64
// CHECK-DAG:       %[[ONE:.*]] = arith.constant 1 : i64
// CHECK-DAG:       %[[HIGH:.*]] = arith.shrsi %[[P]], %[[S]] : i64
// CHECK-DAG:       %[[S1:.*]] = arith.constant 36 : i64
// CHECK:           %[[B:.*]] = arith.shrsi %[[P]], %[[S1]] : i64
// CHECK:           %[[BIT:.*]] = arith.andi %[[B]], %[[ONE]] : i64
// CHECK:           %[[R:.*]] = arith.addi %[[HIGH]], %[[BIT]] : i64
// CHECK:           %[[ZP:.*]] = arith.constant 5 : i64
// CHECK:           %[[Z:.*]] = arith.addi %[[R]], %[[ZP]] : i64
// CHECK:           %[[LO:.*]] = arith.constant -128 : i64
// CHECK:           %[[C1:.*]] = arith.maxsi %[[Z]], %[[LO]] : i64
// CHECK:           %[[HI:.*]] = arith.constant 127 : i64
// CHECK:           %[[C2:.*]] = arith.minsi %[[C1]], %[[HI]] : i64
// CHECK:           %[[T:.*]] = arith.trunci %[[C2]] : i64 to i8
// CHECK:           linalg.yield %[[T]] : i8
// CHECK-NOT:       arith.sitofp
// CHECK-NOT:       arith.mulf
func.func @requantize_per_tensor(%acc: tensor<2x8xi32>) -> tensor<2x8xi8> {
  %q = nn.requantize %acc {multiplier = array<i32: 1690499128>, shift = array<i32: 37>, zero_point = 5 : i32} : (tensor<2x8xi32>) -> tensor<2x8xi8>
  return %q : tensor<2x8xi8>
}

// -----

// Shift 0: no rounding at all; an int32 result keeps the clamped value.
// CHECK-LABEL: func.func @requantize_shift0_i32
// CHECK:           %[[A:.*]] = arith.extsi %{{.*}} : i32 to i64
// CHECK:           %[[P:.*]] = arith.muli %[[A]], %{{.*}} : i64
// CHECK-NOT:       arith.shrsi
// CHECK:           %[[C1:.*]] = arith.maxsi %[[P]], %{{.*}} : i64
// CHECK:           %[[C2:.*]] = arith.minsi %[[C1]], %{{.*}} : i64
// CHECK:           arith.trunci %[[C2]] : i64 to i32
func.func @requantize_shift0_i32(%acc: tensor<8xi32>) -> tensor<8xi32> {
  %q = nn.requantize %acc {multiplier = array<i32: 3>, shift = array<i32: 0>} : (tensor<8xi32>) -> tensor<8xi32>
  return %q : tensor<8xi32>
}

// -----

// Per axis with different shifts: multipliers and shifts are i64 constant
// tensors read along the axis; shift 0 selects no rounding bit.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[AX:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @requantize_per_axis
// CHECK-DAG:     %[[M:.*]] = arith.constant dense<[1073741824, -2147483648]> : tensor<2xi64>
// CHECK-DAG:     %[[S:.*]] = arith.constant dense<[0, 63]> : tensor<2xi64>
// CHECK:         linalg.generic {indexing_maps = [#[[ID]], #[[AX]], #[[AX]], #[[ID]]]
// CHECK-SAME:      ins(%{{.*}}, %[[M]], %[[S]] : tensor<4x2xi32>, tensor<2xi64>, tensor<2xi64>)
// CHECK:         ^bb0(%[[IN:.*]]: i32, %[[MUL:.*]]: i64, %[[SH:.*]]: i64, %{{.*}}: i8):
// CHECK:           %[[A:.*]] = arith.extsi %[[IN]] : i32 to i64
// CHECK:           %[[P:.*]] = arith.muli %[[A]], %[[MUL]] : i64
// CHECK:           %[[HIGH:.*]] = arith.shrsi %[[P]], %[[SH]] : i64
// CHECK:           %[[SM1:.*]] = arith.subi %[[SH]], %{{.*}} : i64
// CHECK:           %[[BELOW:.*]] = arith.maxsi %[[SM1]], %{{.*}} : i64
// CHECK:           %[[B:.*]] = arith.shrsi %[[P]], %[[BELOW]] : i64
// CHECK:           %[[BIT:.*]] = arith.andi %[[B]], %{{.*}} : i64
// CHECK:           %[[IS0:.*]] = arith.cmpi eq, %[[SH]], %{{.*}} : i64
// CHECK:           %[[SEL:.*]] = arith.select %[[IS0]], %{{.*}}, %[[BIT]] : i64
// CHECK:           arith.addi %[[HIGH]], %[[SEL]] : i64
// CHECK:           arith.maxsi
// CHECK:           arith.minsi
// CHECK:           arith.trunci {{.*}} : i64 to i8
func.func @requantize_per_axis(%acc: tensor<4x2xi32>) -> tensor<4x2xi8> {
  %q = nn.requantize %acc {multiplier = array<i32: 1073741824, -2147483648>, shift = array<i32: 0, 63>, axis = 1 : i64, clamp_lo = 0 : i32} : (tensor<4x2xi32>) -> tensor<4x2xi8>
  return %q : tensor<4x2xi8>
}

// -----

// Per-axis multipliers with one shift: the shift stays a constant.
// CHECK-LABEL: func.func @requantize_per_axis_one_shift
// CHECK:         %[[M:.*]] = arith.constant dense<[3, 5, 7]> : tensor<3xi64>
// CHECK-NOT:     arith.constant dense<{{.*}}> : tensor<3xi64>
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%{{.*}}, %[[M]] : tensor<3x4xi32>, tensor<3xi64>)
// CHECK:           arith.constant 2 : i64
// CHECK-NOT:       arith.select
func.func @requantize_per_axis_one_shift(%acc: tensor<3x4xi32>) -> tensor<3x4xi8> {
  %q = nn.requantize %acc {multiplier = array<i32: 3, 5, 7>, shift = array<i32: 2, 2, 2>, axis = 0 : i64} : (tensor<3x4xi32>) -> tensor<3x4xi8>
  return %q : tensor<3x4xi8>
}

// -----

// quantize: saturate(round_half_to_even(x / scale) + zero_point) in f32.
// CHECK-LABEL: func.func @quantize
// CHECK:         linalg.generic
// CHECK:           %[[D:.*]] = arith.divf %{{.*}}, %{{.*}} : f32
// CHECK:           %[[R:.*]] = math.roundeven %[[D]] : f32
// CHECK:           %[[Z:.*]] = arith.sitofp %{{.*}} : i32 to f32
// CHECK:           %[[S:.*]] = arith.addf %[[R]], %[[Z]] : f32
// CHECK:           arith.maximumf %[[S]], %{{.*}} : f32
// CHECK:           arith.minimumf
// CHECK:           arith.fptosi %{{.*}} : f32 to i8
func.func @quantize(%x: tensor<1x8xf32>) -> tensor<1x8xi8> {
  %q = nn.quantize %x {scale = array<f32: 0.05>, zero_point = array<i32: 3>} : (tensor<1x8xf32>) -> tensor<1x8xi8>
  return %q : tensor<1x8xi8>
}

// -----

// Per-axis dequantize: (sext(q) - zero_point) * scale, parameters read
// along axis 0; the quantize/dequantize pair lowers to two generics.
// CHECK-DAG: #[[AX:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @dequantize_per_axis
// CHECK:         linalg.generic
// CHECK:           math.roundeven
// CHECK-DAG:     %[[SC:.*]] = arith.constant dense<[1.000000e-01, 2.000000e-01]> : tensor<2xf32>
// CHECK-DAG:     %[[ZP:.*]] = arith.constant dense<[0, -4]> : tensor<2xi32>
// CHECK:         linalg.generic {indexing_maps = [#{{.*}}, #[[AX]], #[[AX]], #{{.*}}]
// CHECK-SAME:      ins(%{{.*}}, %[[SC]], %[[ZP]] : tensor<2x8xi8>, tensor<2xf32>, tensor<2xi32>)
// CHECK:         ^bb0(%[[Q:.*]]: i8, %[[S:.*]]: f32, %[[Z:.*]]: i32, %{{.*}}: f32):
// CHECK:           %[[W:.*]] = arith.extsi %[[Q]] : i8 to i32
// CHECK:           %[[D:.*]] = arith.subi %[[W]], %[[Z]] : i32
// CHECK:           %[[F:.*]] = arith.sitofp %[[D]] : i32 to f32
// CHECK:           arith.mulf %[[F]], %[[S]] : f32
func.func @dequantize_per_axis(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %q = nn.quantize %x {scale = array<f32: 0.1, 0.2>, zero_point = array<i32: 0, -4>, axis = 0 : i64} : (tensor<2x8xf32>) -> tensor<2x8xi8>
  %d = nn.dequantize %q {scale = array<f32: 0.1, 0.2>, zero_point = array<i32: 0, -4>, axis = 0 : i64} : (tensor<2x8xi8>) -> tensor<2x8xf32>
  return %d : tensor<2x8xf32>
}

// -----

// nn.lookup_table reads the constant table at x + 128.
// CHECK-LABEL: func.func @lookup_table
// CHECK:         %[[T:.*]] = arith.constant dense<7> : tensor<256xi8>
// CHECK:         linalg.generic
// CHECK:         ^bb0(%[[X:.*]]: i8, %{{.*}}: i8):
// CHECK:           %[[W:.*]] = arith.extsi %[[X]] : i8 to i32
// CHECK:           %[[I:.*]] = arith.addi %[[W]], %{{.*}} : i32
// CHECK:           %[[IX:.*]] = arith.index_cast %[[I]] : i32 to index
// CHECK:           %[[V:.*]] = tensor.extract %[[T]][%[[IX]]] : tensor<256xi8>
// CHECK:           linalg.yield %[[V]] : i8
func.func @lookup_table(%x: tensor<2x8xi8>) -> tensor<2x8xi8> {
  %y = nn.lookup_table %x {table = dense<7> : tensor<256xi8>} : (tensor<2x8xi8>) -> tensor<2x8xi8>
  return %y : tensor<2x8xi8>
}
