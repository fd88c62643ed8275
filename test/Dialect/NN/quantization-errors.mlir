// RUN: tessera-opt %s -split-input-file -verify-diagnostics

// Every verifier rule of nn.requantize, nn.quantize and nn.dequantize.

func.func @shift_negative(%acc: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error @+1 {{'nn.requantize' op shift -1 is not in 0..63}}
  %q = nn.requantize %acc {multiplier = array<i32: 1>, shift = array<i32: -1>} : (tensor<4xi32>) -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

func.func @shift_64(%acc: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error @+1 {{'nn.requantize' op shift 64 is not in 0..63}}
  %q = nn.requantize %acc {multiplier = array<i32: 1>, shift = array<i32: 64>} : (tensor<4xi32>) -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

func.func @clamp_order(%acc: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error @+1 {{'nn.requantize' op clamp_lo 10 is greater than clamp_hi 5}}
  %q = nn.requantize %acc {multiplier = array<i32: 1>, shift = array<i32: 1>, clamp_lo = 10 : i32, clamp_hi = 5 : i32} : (tensor<4xi32>) -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

func.func @clamp_range(%acc: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error @+1 {{'nn.requantize' op 'clamp_hi' 200 is not an int8 value}}
  %q = nn.requantize %acc {multiplier = array<i32: 1>, shift = array<i32: 1>, clamp_hi = 200 : i32} : (tensor<4xi32>) -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

// An int32 result takes any int32 clamp, but still clamp_lo <= clamp_hi.
func.func @clamp_order_i32(%acc: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @+1 {{'nn.requantize' op clamp_lo 1000 is greater than clamp_hi -1000}}
  %q = nn.requantize %acc {multiplier = array<i32: 1>, shift = array<i32: 1>, clamp_lo = 1000 : i32, clamp_hi = -1000 : i32} : (tensor<4xi32>) -> tensor<4xi32>
  return %q : tensor<4xi32>
}

// -----

func.func @clamp_lo_range(%acc: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error @+1 {{'nn.requantize' op 'clamp_lo' -129 is not an int8 value}}
  %q = nn.requantize %acc {multiplier = array<i32: 1>, shift = array<i32: 1>, clamp_lo = -129 : i32} : (tensor<4xi32>) -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

func.func @zero_point_range(%acc: tensor<4xi32>) -> tensor<4xi8> {
  // expected-error @+1 {{'nn.requantize' op 'zero_point' 128 is not an int8 value}}
  %q = nn.requantize %acc {multiplier = array<i32: 1>, shift = array<i32: 1>, zero_point = 128 : i32} : (tensor<4xi32>) -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

func.func @per_tensor_count(%acc: tensor<4x2xi32>) -> tensor<4x2xi8> {
  // expected-error @+1 {{'nn.requantize' op has 2 'multiplier' values but no 'axis' (per tensor takes one)}}
  %q = nn.requantize %acc {multiplier = array<i32: 1, 2>, shift = array<i32: 1>} : (tensor<4x2xi32>) -> tensor<4x2xi8>
  return %q : tensor<4x2xi8>
}

// -----

func.func @per_axis_multiplier_count(%acc: tensor<4x2xi32>) -> tensor<4x2xi8> {
  // expected-error @+1 {{'nn.requantize' op has 3 'multiplier' values but dim 1 has size 2}}
  %q = nn.requantize %acc {multiplier = array<i32: 1, 2, 3>, shift = array<i32: 1, 1>, axis = 1 : i64} : (tensor<4x2xi32>) -> tensor<4x2xi8>
  return %q : tensor<4x2xi8>
}

// -----

func.func @per_axis_shift_count(%acc: tensor<4x2xi32>) -> tensor<4x2xi8> {
  // expected-error @+1 {{'nn.requantize' op has 1 'shift' values but dim 0 has size 4}}
  %q = nn.requantize %acc {multiplier = array<i32: 1, 2, 3, 4>, shift = array<i32: 1>, axis = 0 : i64} : (tensor<4x2xi32>) -> tensor<4x2xi8>
  return %q : tensor<4x2xi8>
}

// -----

func.func @axis_range(%acc: tensor<4x2xi32>) -> tensor<4x2xi8> {
  // expected-error @+1 {{'nn.requantize' op has axis 2 out of range for rank 2}}
  %q = nn.requantize %acc {multiplier = array<i32: 1, 2>, shift = array<i32: 1, 1>, axis = 2 : i64} : (tensor<4x2xi32>) -> tensor<4x2xi8>
  return %q : tensor<4x2xi8>
}

// -----

func.func @axis_unranked(%acc: tensor<*xi32>) -> tensor<*xi8> {
  // expected-error @+1 {{'nn.requantize' op with 'axis' needs a ranked input}}
  %q = nn.requantize %acc {multiplier = array<i32: 1, 2>, shift = array<i32: 1, 1>, axis = 0 : i64} : (tensor<*xi32>) -> tensor<*xi8>
  return %q : tensor<*xi8>
}

// -----

func.func @requantize_input_type(%acc: tensor<4xi8>) -> tensor<4xi8> {
  // expected-error @+1 {{'nn.requantize' op operand #0 must be tensor of 32-bit signless integer values}}
  %q = nn.requantize %acc {multiplier = array<i32: 1>, shift = array<i32: 1>} : (tensor<4xi8>) -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

func.func @requantize_result_type(%acc: tensor<4xi32>) -> tensor<4xi16> {
  // expected-error @+1 {{'nn.requantize' op result #0 must be tensor of 8-bit signless integer or 32-bit signless integer values}}
  %q = nn.requantize %acc {multiplier = array<i32: 1>, shift = array<i32: 1>} : (tensor<4xi32>) -> tensor<4xi16>
  return %q : tensor<4xi16>
}

// -----

func.func @requantize_shape(%acc: tensor<4xi32>) -> tensor<5xi8> {
  // expected-error @+1 {{'nn.requantize' op result #0 has type 'tensor<5xi8>' but its operands and attributes imply 'tensor<4xi8>'}}
  %q = nn.requantize %acc {multiplier = array<i32: 1>, shift = array<i32: 1>} : (tensor<4xi32>) -> tensor<5xi8>
  return %q : tensor<5xi8>
}

// -----

func.func @scale_zero(%x: tensor<4xf32>) -> tensor<4xi8> {
  // expected-error @+1 {{'nn.quantize' op scale 0.000000e+00 is not positive and finite}}
  %q = nn.quantize %x {scale = array<f32: 0.0>, zero_point = array<i32: 0>} : (tensor<4xf32>) -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

func.func @scale_negative(%q: tensor<4xi8>) -> tensor<4xf32> {
  // expected-error @+1 {{'nn.dequantize' op scale -1.000000e+00 is not positive and finite}}
  %x = nn.dequantize %q {scale = array<f32: -1.0>, zero_point = array<i32: 0>} : (tensor<4xi8>) -> tensor<4xf32>
  return %x : tensor<4xf32>
}

// -----

func.func @scale_inf(%x: tensor<4xf32>) -> tensor<4xi8> {
  // expected-error @+1 {{'nn.quantize' op scale INF is not positive and finite}}
  %q = nn.quantize %x {scale = array<f32: 0x7F800000>, zero_point = array<i32: 0>} : (tensor<4xf32>) -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

func.func @quantize_zero_point(%x: tensor<4xf32>) -> tensor<4xi8> {
  // expected-error @+1 {{'nn.quantize' op 'zero_point' -200 is not an int8 value}}
  %q = nn.quantize %x {scale = array<f32: 1.0>, zero_point = array<i32: -200>} : (tensor<4xf32>) -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

func.func @quantize_per_axis_count(%x: tensor<2x3xf32>) -> tensor<2x3xi8> {
  // expected-error @+1 {{'nn.quantize' op has 2 'scale' values but dim 1 has size 3}}
  %q = nn.quantize %x {scale = array<f32: 1.0, 2.0>, zero_point = array<i32: 0, 0>, axis = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xi8>
  return %q : tensor<2x3xi8>
}

// -----

func.func @dequantize_zero_point_count(%q: tensor<2x3xi8>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'nn.dequantize' op has 1 'zero_point' values but dim 0 has size 2}}
  %x = nn.dequantize %q {scale = array<f32: 1.0, 2.0>, zero_point = array<i32: 0>, axis = 0 : i64} : (tensor<2x3xi8>) -> tensor<2x3xf32>
  return %x : tensor<2x3xf32>
}

// -----

func.func @dequantize_per_tensor_count(%q: tensor<2x3xi8>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'nn.dequantize' op has 2 'scale' values but no 'axis' (per tensor takes one)}}
  %x = nn.dequantize %q {scale = array<f32: 1.0, 2.0>, zero_point = array<i32: 0>} : (tensor<2x3xi8>) -> tensor<2x3xf32>
  return %x : tensor<2x3xf32>
}

// -----

func.func @quantize_result_type(%x: tensor<4xf32>) -> tensor<4xi32> {
  // expected-error @+1 {{'nn.quantize' op result #0 must be tensor of 8-bit signless integer values}}
  %q = nn.quantize %x {scale = array<f32: 1.0>, zero_point = array<i32: 0>} : (tensor<4xf32>) -> tensor<4xi32>
  return %q : tensor<4xi32>
}

// -----

func.func @dequantize_input_type(%q: tensor<4xi32>) -> tensor<4xf32> {
  // expected-error @+1 {{'nn.dequantize' op operand #0 must be tensor of 8-bit signless integer values}}
  %x = nn.dequantize %q {scale = array<f32: 1.0>, zero_point = array<i32: 0>} : (tensor<4xi32>) -> tensor<4xf32>
  return %x : tensor<4xf32>
}

// -----

func.func @lookup_table_short(%x: tensor<4xi8>) -> tensor<4xi8> {
  // expected-error @+1 {{'nn.lookup_table' op table must be a tensor<256xi8> (one int8 result per int8 input), got 'tensor<4xi8>'}}
  %y = nn.lookup_table %x {table = dense<[1, 2, 3, 4]> : tensor<4xi8>} : (tensor<4xi8>) -> tensor<4xi8>
  return %y : tensor<4xi8>
}

// -----

func.func @lookup_table_wide(%x: tensor<4xi8>) -> tensor<4xi8> {
  // expected-error @+1 {{'nn.lookup_table' op table must be a tensor<256xi8> (one int8 result per int8 input), got 'tensor<256xi32>'}}
  %y = nn.lookup_table %x {table = dense<0> : tensor<256xi32>} : (tensor<4xi8>) -> tensor<4xi8>
  return %y : tensor<4xi8>
}

// -----

func.func @lookup_table_result(%x: tensor<4xi8>) -> tensor<2x2xi8> {
  // expected-error @+1 {{'nn.lookup_table' op result #0 has type 'tensor<2x2xi8>' but its operands and attributes imply 'tensor<4xi8>'}}
  %y = nn.lookup_table %x {table = dense<0> : tensor<256xi8>} : (tensor<4xi8>) -> tensor<2x2xi8>
  return %y : tensor<2x2xi8>
}
