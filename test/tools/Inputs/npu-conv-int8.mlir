// An int8 convolution + requantize in the nn dialect (what tessera-quantize
// produces), for the npu target's hardware tests.
func.func @main(%x: tensor<1x16x32x32xi8> {nn.name = "x"}) -> (tensor<1x16x32x32xi8> {nn.name = "y"}) {
  %w = nn.constant dense<3> : tensor<16x16x3x3xi8>
  %zp = nn.constant dense<-128> : tensor<i8>
  %none = nn.none
  %c = nn.conv_integer %x, %w, %zp, %none {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x16x32x32xi8>, tensor<16x16x3x3xi8>, tensor<i8>, none) -> tensor<1x16x32x32xi32> loc("Conv_0")
  %y = nn.requantize %c {multiplier = array<i32: 1073741824>, shift = array<i32: 40>, zero_point = -128 : i32} : (tensor<1x16x32x32xi32>) -> tensor<1x16x32x32xi8> loc("Conv_0")
  return %y : tensor<1x16x32x32xi8>
}
