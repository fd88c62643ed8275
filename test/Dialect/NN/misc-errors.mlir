// RUN: tessera-opt %s -split-input-file -verify-diagnostics

// Located errors of Mod, BitShift, Hardmax, LpNormalization, LRN,
// MeanVarianceNormalization, the new reductions, CumSum, TopK,
// ReverseSequence and the windows.

func.func @mod_fmod_value(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @+1 {{'nn.mod' op attribute 'fmod' must be 0 or 1, got 2}}
  %y = nn.mod %a, %b {fmod = 2 : i64} : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %y : tensor<4xi32>
}

// -----

func.func @mod_float_fmod0(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'nn.mod' op requires fmod = 1 for floating-point inputs}}
  %y = nn.mod %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @mod_types(%a: tensor<4xi32>, %b: tensor<4xi64>) -> tensor<4xi32> {
  // expected-error @+1 {{'nn.mod' op operands must have the same element type, got 'i32' and 'i64'}}
  %y = nn.mod %a, %b : (tensor<4xi32>, tensor<4xi64>) -> tensor<4xi32>
  return %y : tensor<4xi32>
}

// -----

func.func @bit_shift_direction(%a: tensor<4xui8>, %b: tensor<4xui8>) -> tensor<4xui8> {
  // expected-error @+1 {{'nn.bit_shift' op attribute 'direction' must be "LEFT" or "RIGHT", got "UP"}}
  %y = nn.bit_shift %a, %b {direction = "UP"} : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %y : tensor<4xui8>
}

// -----

func.func @bit_shift_signed(%a: tensor<4xi8>, %b: tensor<4xi8>) -> tensor<4xi8> {
  // expected-error @+1 {{'nn.bit_shift' op operand #0 must be tensor of}}
  %y = nn.bit_shift %a, %b {direction = "LEFT"} : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
  return %y : tensor<4xi8>
}

// -----

func.func @is_inf_integer(%a: tensor<4xi32>) -> tensor<4xi1> {
  // expected-error @+1 {{'nn.is_inf' op operand #0 must be tensor of}}
  %y = nn.is_inf %a : (tensor<4xi32>) -> tensor<4xi1>
  return %y : tensor<4xi1>
}

// -----

func.func @hardmax_axis(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'nn.hardmax' op axis 2 is out of range for rank 2}}
  %y = nn.hardmax %a {axis = 2 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @lp_normalization_p(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'nn.lp_normalization' op attribute 'p' must be 1 or 2, got 3}}
  %y = nn.lp_normalization %a {p = 3 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @lp_normalization_axis(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'nn.lp_normalization' op axis -3 is out of range for rank 2}}
  %y = nn.lp_normalization %a {axis = -3 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @lrn_size(%a: tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32> {
  // expected-error @+1 {{'nn.lrn' op attribute 'size' must be positive, got 0}}
  %y = nn.lrn %a {size = 0 : i64} : (tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  return %y : tensor<1x4x2x2xf32>
}

// -----

func.func @lrn_rank(%a: tensor<4x2xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{'nn.lrn' op expects an input of rank >= 3 (N x C x D1 ...), got rank 2}}
  %y = nn.lrn %a {size = 3 : i64} : (tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @mvn_axes(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'nn.mean_variance_normalization' op axis 2 is out of range for rank 2}}
  %y = nn.mean_variance_normalization %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @mvn_repeated(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'nn.mean_variance_normalization' op axis -1 is repeated}}
  %y = nn.mean_variance_normalization %a {axes = array<i64: 1, -1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @reduce_log_sum_exp_axis(%a: tensor<2x3xf32>) -> tensor<2x1xf32> {
  // expected-error @+1 {{'nn.reduce_log_sum_exp' op axis 3 is out of range for rank 2}}
  %y = nn.reduce_log_sum_exp %a {axes = array<i64: 3>} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  return %y : tensor<2x1xf32>
}

// -----

func.func @reduce_l1_repeated(%a: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'nn.reduce_l1' op axis -1 is repeated}}
  %y = nn.reduce_l1 %a {axes = array<i64: 1, -1>, keepdims = 0 : i64} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @cum_sum_axis(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %ax = nn.constant dense<2> : tensor<i64>
  // expected-error @+1 {{'nn.cum_sum' op axis 2 is out of range for rank 2}}
  %y = nn.cum_sum %a, %ax : (tensor<2x3xf32>, tensor<i64>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @cum_sum_axis_rank(%a: tensor<2x3xf32>, %ax: tensor<2xi64>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'nn.cum_sum' op axis must be a scalar or a 1-D tensor of one element}}
  %y = nn.cum_sum %a, %ax : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @top_k_large(%a: tensor<2x5xf32>) -> (tensor<2x6xf32>, tensor<2x6xi64>) {
  %k = nn.constant dense<[6]> : tensor<1xi64>
  // expected-error @+1 {{'nn.top_k' op K = 6 is out of range for axis 1 of size 5}}
  %v, %i = nn.top_k %a, %k : (tensor<2x5xf32>, tensor<1xi64>) -> (tensor<2x6xf32>, tensor<2x6xi64>)
  return %v, %i : tensor<2x6xf32>, tensor<2x6xi64>
}

// -----

func.func @top_k_negative(%a: tensor<2x5xf32>) -> (tensor<2x?xf32>, tensor<2x?xi64>) {
  %k = nn.constant dense<[-1]> : tensor<1xi64>
  // expected-error @+1 {{'nn.top_k' op K = -1 is out of range for axis 1 of size 5}}
  %v, %i = nn.top_k %a, %k : (tensor<2x5xf32>, tensor<1xi64>) -> (tensor<2x?xf32>, tensor<2x?xi64>)
  return %v, %i : tensor<2x?xf32>, tensor<2x?xi64>
}

// -----

func.func @top_k_axis(%a: tensor<2x5xf32>, %k: tensor<1xi64>) -> (tensor<2x5xf32>, tensor<2x5xi64>) {
  // expected-error @+1 {{'nn.top_k' op axis 2 is out of range for rank 2}}
  %v, %i = nn.top_k %a, %k {axis = 2 : i64} : (tensor<2x5xf32>, tensor<1xi64>) -> (tensor<2x5xf32>, tensor<2x5xi64>)
  return %v, %i : tensor<2x5xf32>, tensor<2x5xi64>
}

// -----

func.func @top_k_k_rank(%a: tensor<2x5xf32>, %k: tensor<1x1xi64>) -> (tensor<2x5xf32>, tensor<2x5xi64>) {
  // expected-error @+1 {{'nn.top_k' op K must be a scalar or a 1-D tensor of one element}}
  %v, %i = nn.top_k %a, %k : (tensor<2x5xf32>, tensor<1x1xi64>) -> (tensor<2x5xf32>, tensor<2x5xi64>)
  return %v, %i : tensor<2x5xf32>, tensor<2x5xi64>
}

// -----

func.func @reverse_sequence_axes(%a: tensor<3x2xf32>, %l: tensor<2xi64>) -> tensor<3x2xf32> {
  // expected-error @+1 {{'nn.reverse_sequence' op batch_axis and time_axis must be 0 and 1 in some order, got 1 and 1}}
  %y = nn.reverse_sequence %a, %l {time_axis = 1 : i64} : (tensor<3x2xf32>, tensor<2xi64>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

func.func @reverse_sequence_lens(%a: tensor<3x2xf32>, %l: tensor<3xi64>) -> tensor<3x2xf32> {
  // expected-error @+1 {{'nn.reverse_sequence' op sequence_lens has 3 elements but the batch axis has size 2}}
  %y = nn.reverse_sequence %a, %l : (tensor<3x2xf32>, tensor<3xi64>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

func.func @reverse_sequence_length(%a: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %l = nn.constant dense<[1, 4]> : tensor<2xi64>
  // expected-error @+1 {{'nn.reverse_sequence' op sequence length 4 is out of range for a time axis of size 3}}
  %y = nn.reverse_sequence %a, %l : (tensor<3x2xf32>, tensor<2xi64>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

func.func @window_datatype(%s: tensor<i64>) -> tensor<?xf32> {
  // expected-error @+1 {{'nn.hann_window' op attribute 'output_datatype' 8 is not a numeric ONNX data type}}
  %y = nn.hann_window %s {output_datatype = 8 : i64} : (tensor<i64>) -> tensor<?xf32>
  return %y : tensor<?xf32>
}

// -----

func.func @window_size(%s: tensor<2xi64>) -> tensor<?xf32> {
  // expected-error @+1 {{'nn.blackman_window' op size must be a scalar or a 1-D tensor of one element}}
  %y = nn.blackman_window %s : (tensor<2xi64>) -> tensor<?xf32>
  return %y : tensor<?xf32>
}

// -----

func.func @window_negative() -> tensor<?xf32> {
  %s = nn.constant dense<-4> : tensor<i64>
  // expected-error @+1 {{'nn.hamming_window' op size -4 is out of range}}
  %y = nn.hamming_window %s : (tensor<i64>) -> tensor<?xf32>
  return %y : tensor<?xf32>
}

// -----

func.func @window_periodic(%s: tensor<i64>) -> tensor<?xf32> {
  // expected-error @+1 {{'nn.hann_window' op attribute 'periodic' must be 0 or 1, got 2}}
  %y = nn.hann_window %s {periodic = 2 : i64} : (tensor<i64>) -> tensor<?xf32>
  return %y : tensor<?xf32>
}

// -----

func.func @cast_like_shape(%a: tensor<4xf32>, %b: tensor<1xf16>) -> tensor<4xf32> {
  // expected-error @+1 {{'nn.cast_like' op result #0 has type 'tensor<4xf32>' but its operands and attributes imply 'tensor<4xf16>'}}
  %y = nn.cast_like %a, %b : (tensor<4xf32>, tensor<1xf16>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}
