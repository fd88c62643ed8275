// RUN: tessera-opt %s -split-input-file -verify-diagnostics -tessera-cpu-vectorize="vector-bits=256"

// A schedule that fails to apply is one error located at the op it failed
// on, with the transform interpreter's diagnostics as notes. Here the filter
// has a dynamic number of output channels (the register tile is chosen from
// the static output), so its channel tiles have a dynamic size, which the
// vectorizer does not take.
func.func @dynamic_filter(%x: tensor<1x16x16x8xf32>, %w: tensor<3x3x8x?xf32>, %o: tensor<1x14x14x64xf32>) -> tensor<1x14x14x64xf32> {
  // expected-error@+2 {{failed to apply the tiling and vectorization schedule}}
  // expected-note@+1 {{Attempted to vectorize, but failed}}
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x16x16x8xf32>, tensor<3x3x8x?xf32>) outs(%o : tensor<1x14x14x64xf32>) -> tensor<1x14x14x64xf32>
  return %y : tensor<1x14x14x64xf32>
}

// -----

// Dynamic rows of A: the row tiles of the matmul have a dynamic size.
func.func @dynamic_rows(%a: tensor<?x64xf32>, %b: tensor<64x32xf32>, %c: tensor<12x32xf32>) -> tensor<12x32xf32> {
  // expected-error@+2 {{failed to apply the tiling and vectorization schedule}}
  // expected-note@+1 {{Attempted to vectorize, but failed}}
  %r = linalg.matmul ins(%a, %b : tensor<?x64xf32>, tensor<64x32xf32>) outs(%c : tensor<12x32xf32>) -> tensor<12x32xf32>
  return %r : tensor<12x32xf32>
}

// -----

// An elementwise generic that writes its result transposed: the vector width
// is chosen from the result's last dim (16), but tiles the loop of its first
// one (24), and the last tile is partial.
#in = affine_map<(d0, d1) -> (d0, d1)>
#out = affine_map<(d0, d1) -> (d1, d0)>
func.func @transposed_init(%x: tensor<16x24xf32>) -> tensor<24x16xf32> {
  %e = tensor.empty() : tensor<24x16xf32>
  // expected-error@+2 {{failed to apply the tiling and vectorization schedule}}
  // expected-note@+1 {{Attempted to vectorize, but failed}}
  %y = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<16x24xf32>) outs(%e : tensor<24x16xf32>) {
  ^bb0(%a: f32, %b: f32):
    %m = arith.negf %a : f32
    linalg.yield %m : f32
  } -> tensor<24x16xf32>
  return %y : tensor<24x16xf32>
}
