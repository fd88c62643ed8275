// Kernels for requantize-exact.test: nn.requantize over 20 rows of 64 int32
// accumulators (the per-axis kernels give row r the (multiplier, shift) pair
// r of the table in requantize-check.cpp), and nn.quantize / nn.dequantize
// over 256 values.
func.func @per_axis_i32(%acc: tensor<20x64xi32>) -> tensor<20x64xi32> {
  %q = nn.requantize %acc {multiplier = array<i32: 1, 1, 1, 3, 1, 5, 1610612736, 2147483647, 2147483647, 2147483647, 1073741824, 1690499128, -2147483648, 2147483647, 1, 1073741824, -1, -7, 1, 65536>, shift = array<i32: 0, 1, 2, 2, 5, 3, 31, 31, 1, 0, 31, 37, 63, 63, 63, 40, 1, 3, 31, 17>, axis = 0 : i64} : (tensor<20x64xi32>) -> tensor<20x64xi32>
  return %q : tensor<20x64xi32>
}
func.func @per_axis_i8_relu(%acc: tensor<20x64xi32>) -> tensor<20x64xi8> {
  %q = nn.requantize %acc {multiplier = array<i32: 1, 1, 1, 3, 1, 5, 1610612736, 2147483647, 2147483647, 2147483647, 1073741824, 1690499128, -2147483648, 2147483647, 1, 1073741824, -1, -7, 1, 65536>, shift = array<i32: 0, 1, 2, 2, 5, 3, 31, 31, 1, 0, 31, 37, 63, 63, 63, 40, 1, 3, 31, 17>, axis = -2 : i64, zero_point = -3 : i32, clamp_lo = -3 : i32} : (tensor<20x64xi32>) -> tensor<20x64xi8>
  return %q : tensor<20x64xi8>
}
func.func @per_axis_multiplier(%acc: tensor<20x64xi32>) -> tensor<20x64xi8> {
  %q = nn.requantize %acc {multiplier = array<i32: 1, 1, 1, 3, 1, 5, 1610612736, 2147483647, 2147483647, 2147483647, 1073741824, 1690499128, -2147483648, 2147483647, 1, 1073741824, -1, -7, 1, 65536>, shift = array<i32: 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31>, axis = 0 : i64, zero_point = 7 : i32} : (tensor<20x64xi32>) -> tensor<20x64xi8>
  return %q : tensor<20x64xi8>
}
func.func @shift0(%acc: tensor<20x64xi32>) -> tensor<20x64xi8> {
  %q = nn.requantize %acc {multiplier = array<i32: 1>, shift = array<i32: 0>, zero_point = -3 : i32} : (tensor<20x64xi32>) -> tensor<20x64xi8>
  return %q : tensor<20x64xi8>
}
func.func @shift1_clamp(%acc: tensor<20x64xi32>) -> tensor<20x64xi8> {
  %q = nn.requantize %acc {multiplier = array<i32: 1>, shift = array<i32: 1>, zero_point = 10 : i32, clamp_lo = 0 : i32, clamp_hi = 20 : i32} : (tensor<20x64xi32>) -> tensor<20x64xi8>
  return %q : tensor<20x64xi8>
}
func.func @shift31(%acc: tensor<20x64xi32>) -> tensor<20x64xi32> {
  %q = nn.requantize %acc {multiplier = array<i32: 2147483647>, shift = array<i32: 31>} : (tensor<20x64xi32>) -> tensor<20x64xi32>
  return %q : tensor<20x64xi32>
}
func.func @shift37_zp(%acc: tensor<20x64xi32>) -> tensor<20x64xi8> {
  %q = nn.requantize %acc {multiplier = array<i32: 1690499128>, shift = array<i32: 37>, zero_point = 5 : i32} : (tensor<20x64xi32>) -> tensor<20x64xi8>
  return %q : tensor<20x64xi8>
}
func.func @shift63(%acc: tensor<20x64xi32>) -> tensor<20x64xi8> {
  %q = nn.requantize %acc {multiplier = array<i32: -2147483648>, shift = array<i32: 63>} : (tensor<20x64xi32>) -> tensor<20x64xi8>
  return %q : tensor<20x64xi8>
}
func.func @quantize_ties(%x: tensor<256xf32>) -> tensor<256xi8> {
  %q = nn.quantize %x {scale = array<f32: 0.5>, zero_point = array<i32: -3>} : (tensor<256xf32>) -> tensor<256xi8>
  return %q : tensor<256xi8>
}
func.func @dequantize_all(%q: tensor<256xi8>) -> tensor<256xf32> {
  %x = nn.dequantize %q {scale = array<f32: 0.1>, zero_point = array<i32: 3>} : (tensor<256xi8>) -> tensor<256xf32>
  return %x : tensor<256xf32>
}
