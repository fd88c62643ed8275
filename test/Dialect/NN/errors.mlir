// RUN: tessera-opt %s -split-input-file -verify-diagnostics

// Every nn op's verifier runs its shape function; these are the located
// errors a malformed op gets, one family per case.

func.func @result_mismatch(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{'nn.relu' op result #0 has type 'tensor<3x2xf32>' but its operands and attributes imply 'tensor<2x3xf32>'}}
  %y = nn.relu %x : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

func.func @broadcast(%x: tensor<4x3xf32>, %y: tensor<2xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{operands are not broadcast-compatible: dimension 1 of the result would need 3 and 2}}
  %z = nn.add %x, %y : (tensor<4x3xf32>, tensor<2xf32>) -> tensor<4x3xf32>
  return %z : tensor<4x3xf32>
}

// -----

func.func @element_types(%x: tensor<4xf32>, %y: tensor<4xf16>) -> tensor<4xi1> {
  // expected-error @+1 {{'nn.equal' op operands must have the same element type, got 'f32' and 'f16'}}
  %z = nn.equal %x, %y : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xi1>
  return %z : tensor<4xi1>
}

// -----

func.func @conv_channels(%x: tensor<1x4x8x8xf32>, %w: tensor<8x3x3x3xf32>) -> tensor<1x8x6x6xf32> {
  %none = nn.none
  // expected-error @+1 {{input has 4 channels but the weight expects 3 x group 1}}
  %y = nn.conv %x, %w, %none : (tensor<1x4x8x8xf32>, tensor<8x3x3x3xf32>, none) -> tensor<1x8x6x6xf32>
  return %y : tensor<1x8x6x6xf32>
}

// -----

func.func @conv_kernel_shape(%x: tensor<1x3x8x8xf32>, %w: tensor<8x3x3x3xf32>) -> tensor<1x8x6x6xf32> {
  %none = nn.none
  // expected-error @+1 {{kernel_shape has 1 values, expected 2}}
  %y = nn.conv %x, %w, %none {kernel_shape = array<i64: 3>} : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>, none) -> tensor<1x8x6x6xf32>
  return %y : tensor<1x8x6x6xf32>
}

// -----

func.func @conv_auto_pad(%x: tensor<1x3x8x8xf32>, %w: tensor<8x3x3x3xf32>) -> tensor<1x8x6x6xf32> {
  %none = nn.none
  // expected-error @+1 {{auto_pad must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got 'SAME'}}
  %y = nn.conv %x, %w, %none {auto_pad = "SAME"} : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>, none) -> tensor<1x8x6x6xf32>
  return %y : tensor<1x8x6x6xf32>
}

// -----

func.func @pool_window(%x: tensor<1x3x2x2xf32>) -> tensor<1x3x1x1xf32> {
  // expected-error @+1 {{spatial dimension 0 of size 2 is smaller than the window (3 after dilation and padding)}}
  %y = nn.average_pool %x {kernel_shape = array<i64: 3, 3>} : (tensor<1x3x2x2xf32>) -> tensor<1x3x1x1xf32>
  return %y : tensor<1x3x1x1xf32>
}

// -----

func.func @gemm_inner(%a: tensor<4x5xf32>, %b: tensor<6x7xf32>) -> tensor<4x7xf32> {
  %none = nn.none
  // expected-error @+1 {{inner dimensions differ: A gives 5, B gives 6}}
  %y = nn.gemm %a, %b, %none : (tensor<4x5xf32>, tensor<6x7xf32>, none) -> tensor<4x7xf32>
  return %y : tensor<4x7xf32>
}

// -----

func.func @matmul_inner(%a: tensor<2x4x5xf32>, %b: tensor<6x7xf32>) -> tensor<2x4x7xf32> {
  // expected-error @+1 {{inner dimensions differ: 5 vs 6}}
  %y = nn.matmul %a, %b : (tensor<2x4x5xf32>, tensor<6x7xf32>) -> tensor<2x4x7xf32>
  return %y : tensor<2x4x7xf32>
}

// -----

func.func @einsum_terms(%a: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{equation has 2 input terms but the op has 1 operands}}
  %y = nn.einsum %a {equation = "ij,jk->i"} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @einsum_rank(%a: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{term '...ijk' does not match an operand of rank 2}}
  %y = nn.einsum %a {equation = "...ijk->i"} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @einsum_character(%a: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{invalid character '1' in equation}}
  %y = nn.einsum %a {equation = "i1->i"} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

// A second ellipsis in a term is a stray '.'.
func.func @einsum_two_ellipses(%a: tensor<1x2x3x4x5x6x7x8xf32>) -> tensor<1x2x3x4x5x6x7x8xf32> {
  // expected-error @+1 {{invalid character '.' in equation}}
  %y = nn.einsum %a {equation = "...a...->..."} : (tensor<1x2x3x4x5x6x7x8xf32>) -> tensor<1x2x3x4x5x6x7x8xf32>
  return %y : tensor<1x2x3x4x5x6x7x8xf32>
}

// -----

func.func @einsum_label_sizes(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{label 'j' has sizes 3 and 4}}
  %y = nn.einsum %a, %b {equation = "ij,jk->ik"} : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

func.func @einsum_ellipsis_broadcast(%a: tensor<2x3x4xf32>, %b: tensor<5x4xf32>) -> tensor<2x3x4xf32> {
  // expected-error @+1 {{operands are not broadcast-compatible: dimension 1 of the result would need 3 and 5}}
  %y = nn.einsum %a, %b {equation = "...i,...i->...i"} : (tensor<2x3x4xf32>, tensor<5x4xf32>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

// -----

func.func @einsum_output_label(%a: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{output label 'k' does not appear in the inputs}}
  %y = nn.einsum %a {equation = "ij->k"} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @reduce_axis(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %y = nn.reduce_mean %x {axes = array<i64: 2>, keepdims = 0 : i64} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) -> tensor<4x2xf32> {
  %s = nn.constant dense<[4, 2]> : tensor<2xi64>
  // expected-error @+1 {{cannot reshape 6 elements into 8}}
  %y = nn.reshape %x, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @reshape_two_minus_one(%x: tensor<2x3xf32>) -> tensor<?x?xf32> {
  %s = nn.constant dense<[-1, -1]> : tensor<2xi64>
  // expected-error @+1 {{shape has more than one -1}}
  %y = nn.reshape %x, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

// -----

func.func @transpose_perm(%x: tensor<2x3x4xf32>) -> tensor<2x2x3xf32> {
  // expected-error @+1 {{perm is not a permutation of the input dims}}
  %y = nn.transpose %x {perm = array<i64: 0, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<2x2x3xf32>
  return %y : tensor<2x2x3xf32>
}

// -----

func.func @concat_dims(%x: tensor<2x3xf32>, %y: tensor<2x4xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{operands differ in dimension 1 (3 vs 4)}}
  %z = nn.concat %x, %y {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<4x3xf32>
  return %z : tensor<4x3xf32>
}

// -----

func.func @split_sizes(%x: tensor<6xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  %s = nn.constant dense<[2, 2]> : tensor<2xi64>
  // expected-error @+1 {{split sizes add up to 4 but axis 0 has size 6}}
  %a, %b = nn.split %x, %s : (tensor<6xf32>, tensor<2xi64>) -> (tensor<2xf32>, tensor<2xf32>)
  return %a, %b : tensor<2xf32>, tensor<2xf32>
}

// -----

func.func @gather_index(%x: tensor<4x3xf32>) -> tensor<3xf32> {
  %i = nn.constant dense<4> : tensor<i64>
  // expected-error @+1 {{index 4 is out of bounds for axis 0 of size 4}}
  %y = nn.gather %x, %i : (tensor<4x3xf32>, tensor<i64>) -> tensor<3xf32>
  return %y : tensor<3xf32>
}

// -----

func.func @squeeze_non_unit(%x: tensor<1x3xf32>) -> tensor<1xf32> {
  %a = nn.constant dense<1> : tensor<1xi64>
  // expected-error @+1 {{cannot squeeze axis 1 of size 3}}
  %y = nn.squeeze %x, %a : (tensor<1x3xf32>, tensor<1xi64>) -> tensor<1xf32>
  return %y : tensor<1xf32>
}

// -----

func.func @pad_mode(%x: tensor<2xf32>) -> tensor<4xf32> {
  %p = nn.constant dense<[1, 1]> : tensor<2xi64>
  %none = nn.none
  // expected-error @+1 {{mode must be constant, reflect or edge, got 'wrap'}}
  %y = nn.pad %x, %p, %none {mode = "wrap"} : (tensor<2xf32>, tensor<2xi64>, none) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @resize_both(%x: tensor<1x1x2x2xf32>, %s: tensor<4xf32>, %z: tensor<4xi64>) -> tensor<1x1x4x4xf32> {
  %none = nn.none
  // expected-error @+1 {{exactly one of scales and sizes must be given}}
  %y = nn.resize %x, %none, %s, %z : (tensor<1x1x2x2xf32>, none, tensor<4xf32>, tensor<4xi64>) -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}

// -----

func.func @depth_to_space(%x: tensor<1x6x2x2xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error @+1 {{dimension 1 of size 6 is not divisible by 4}}
  %y = nn.depth_to_space %x {blocksize = 2 : i64} : (tensor<1x6x2x2xf32>) -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}

// -----

func.func @quant_axis(%x: tensor<2x3xf32>, %s: tensor<2xf32>) -> tensor<2x3xui8> {
  %none = nn.none
  // expected-error @+1 {{y_scale has 2 elements but axis 1 has size 3}}
  %y = nn.quantize_linear %x, %s, %none : (tensor<2x3xf32>, tensor<2xf32>, none) -> tensor<2x3xui8>
  return %y : tensor<2x3xui8>
}

// -----

func.func @range_delta() -> tensor<?xi64> {
  %a = nn.constant dense<0> : tensor<i64>
  %b = nn.constant dense<4> : tensor<i64>
  %d = nn.constant dense<0> : tensor<i64>
  // expected-error @+1 {{delta must be non-zero}}
  %y = nn.range %a, %b, %d : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  return %y : tensor<?xi64>
}

// -----

func.func @layer_norm_axis(%x: tensor<2x3xf32>, %s: tensor<3xf32>) -> tensor<2x3xf32> {
  %none = nn.none
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %y, %m, %v = nn.layer_normalization %x, %s, %none {axis = 2 : i64} : (tensor<2x3xf32>, tensor<3xf32>, none) -> (tensor<2x3xf32>, tensor<2x1xf32>, tensor<2x1xf32>)
  return %y : tensor<2x3xf32>
}

// -----

// Sizes are bounded: a rank, element count or dim that cannot be represented
// is refused at the op before anything is sized from it.

func.func @unsqueeze_huge_axes(%x: tensor<2x3xf32>, %axes: tensor<2147483648xi64>) -> tensor<*xf32> {
  // expected-error @+1 {{'nn.unsqueeze' op result rank 2147483650 is more than the supported 128}}
  %y = nn.unsqueeze %x, %axes : (tensor<2x3xf32>, tensor<2147483648xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @reshape_huge_shape(%x: tensor<2x3xf32>, %s: tensor<2147483648xi64>) -> tensor<*xf32> {
  // expected-error @+1 {{'nn.reshape' op result rank 2147483648 is more than the supported 128}}
  %y = nn.reshape %x, %s : (tensor<2x3xf32>, tensor<2147483648xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @expand_huge_shape(%x: tensor<2x3xf32>, %s: tensor<2147483648xi64>) -> tensor<*xf32> {
  // expected-error @+1 {{'nn.expand' op result rank 2147483648 is more than the supported 128}}
  %y = nn.expand %x, %s : (tensor<2x3xf32>, tensor<2147483648xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @constant_of_shape_huge_shape(%s: tensor<1073741824xi64>) -> tensor<*xf32> {
  // expected-error @+1 {{'nn.constant_of_shape' op result rank 1073741824 is more than the supported 128}}
  %y = nn.constant_of_shape %s : (tensor<1073741824xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @unsqueeze_rank_overflow(%x: tensor<2x3xf32>, %axes: tensor<1152921504606846975xi64>) -> tensor<*xf32> {
  // expected-error @+1 {{'nn.unsqueeze' op result rank 1152921504606846977 is more than the supported 128}}
  %y = nn.unsqueeze %x, %axes : (tensor<2x3xf32>, tensor<1152921504606846975xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @constant_of_shape_too_many_bytes() -> tensor<*xf32> {
  %s = nn.constant dense<[1099511627776, 1099511627776]> : tensor<2xi64>
  // expected-error @+1 {{'nn.constant_of_shape' op inferred result #0 ('tensor<1099511627776x1099511627776xf32>') has more bytes than int64 can count}}
  %y = nn.constant_of_shape %s : (tensor<2xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @operand_too_many_bytes(%x: tensor<4294967296x4294967296xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'nn.relu' op operand #0 ('tensor<4294967296x4294967296xf32>') has more bytes than int64 can count}}
  %y = nn.relu %x : (tensor<4294967296x4294967296xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @tile_overflow(%x: tensor<4611686018427387904xi8>) -> tensor<?xi8> {
  %r = nn.constant dense<4> : tensor<1xi64>
  // expected-error @+1 {{'nn.tile' op inferred result #0 has a dimension that overflows int64}}
  %y = nn.tile %x, %r : (tensor<4611686018427387904xi8>, tensor<1xi64>) -> tensor<?xi8>
  return %y : tensor<?xi8>
}

// -----

func.func @pad_overflow(%x: tensor<8xf32>) -> tensor<?xf32> {
  %p = nn.constant dense<[9223372036854775807, 1]> : tensor<2xi64>
  %n = nn.none
  // expected-error @+1 {{'nn.pad' op pads overflow dimension 0}}
  %y = nn.pad %x, %p, %n : (tensor<8xf32>, tensor<2xi64>, none) -> tensor<?xf32>
  return %y : tensor<?xf32>
}

// -----

func.func @range_too_long() -> tensor<?xi64> {
  %a = nn.constant dense<-9223372036854775808> : tensor<i64>
  %b = nn.constant dense<9223372036854775807> : tensor<i64>
  %d = nn.constant dense<1> : tensor<i64>
  // expected-error @+1 {{'nn.range' op start, limit and delta make too many elements}}
  %y = nn.range %a, %b, %d : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  return %y : tensor<?xi64>
}

// -----

func.func @depth_to_space_huge_block(%x: tensor<1x4x2x2xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'nn.depth_to_space' op blocksize 4611686018427387904 is too large}}
  %y = nn.depth_to_space %x {blocksize = 4611686018427387904 : i64} : (tensor<1x4x2x2xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @conv_transpose_overflow(%x: tensor<1x1x1152921504606846976xf32>, %w: tensor<1x1x3xf32>) -> tensor<*xf32> {
  %n = nn.none
  // expected-error @+1 {{'nn.conv_transpose' op inferred result #0 has a dimension that overflows int64}}
  %y = nn.conv_transpose %x, %w, %n {strides = array<i64: 16>} : (tensor<1x1x1152921504606846976xf32>, tensor<1x1x3xf32>, none) -> tensor<*xf32>
  return %y : tensor<*xf32>
}
