// RUN: tessera-opt %s -split-input-file -verify-diagnostics

// The located errors of the indexing, scatter/gather and loss ops.

func.func @gather_elements_rank(%x: tensor<3x4xf32>, %i: tensor<2xi64>) -> tensor<2xf32> {
  // expected-error @+1 {{'nn.gather_elements' op indices must have the rank of data (2), got rank 1}}
  %y = nn.gather_elements %x, %i : (tensor<3x4xf32>, tensor<2xi64>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @gather_elements_axis(%x: tensor<3x4xf32>, %i: tensor<2x4xi64>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'nn.gather_elements' op axis 2 is out of range for rank 2}}
  %y = nn.gather_elements %x, %i {axis = 2 : i64} : (tensor<3x4xf32>, tensor<2x4xi64>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @gather_elements_const_index(%x: tensor<3x4xf32>) -> tensor<1x2xf32> {
  %i = nn.constant dense<[[0, 4]]> : tensor<1x2xi64>
  // expected-error @+1 {{'nn.gather_elements' op index 4 is out of bounds for axis 1 of size 4}}
  %y = nn.gather_elements %x, %i {axis = 1 : i64} : (tensor<3x4xf32>, tensor<1x2xi64>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

func.func @gather_elements_larger(%x: tensor<3x4xf32>, %i: tensor<3x5xi64>) -> tensor<3x5xf32> {
  // expected-error @+1 {{'nn.gather_elements' op indices dim 1 (5) is larger than the data's (4)}}
  %y = nn.gather_elements %x, %i : (tensor<3x4xf32>, tensor<3x5xi64>) -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}

// -----

func.func @scatter_elements_reduction(%x: tensor<3x4xf32>, %i: tensor<1x4xi64>, %u: tensor<1x4xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{'nn.scatter_elements' op reduction 'max' needs opset 18, which is not supported (opset <= 17 allows 'none', 'add' and 'mul')}}
  %y = nn.scatter_elements %x, %i, %u {reduction = "max"} : (tensor<3x4xf32>, tensor<1x4xi64>, tensor<1x4xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

func.func @scatter_elements_bad_reduction(%x: tensor<3x4xf32>, %i: tensor<1x4xi64>, %u: tensor<1x4xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{'nn.scatter_elements' op reduction 'avg' is not one of 'none', 'add' and 'mul'}}
  %y = nn.scatter_elements %x, %i, %u {reduction = "avg"} : (tensor<3x4xf32>, tensor<1x4xi64>, tensor<1x4xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

func.func @scatter_elements_updates(%x: tensor<3x4xf32>, %i: tensor<1x4xi64>, %u: tensor<1x3xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{'nn.scatter_elements' op updates must have the shape of indices}}
  %y = nn.scatter_elements %x, %i, %u : (tensor<3x4xf32>, tensor<1x4xi64>, tensor<1x3xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

func.func @scatter_elements_const_index(%x: tensor<3x4xf32>, %u: tensor<1x2xf32>) -> tensor<3x4xf32> {
  %i = nn.constant dense<[[-4, 1]]> : tensor<1x2xi64>
  // expected-error @+1 {{'nn.scatter_elements' op index -4 is out of bounds for axis 0 of size 3}}
  %y = nn.scatter_elements %x, %i, %u : (tensor<3x4xf32>, tensor<1x2xi64>, tensor<1x2xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

func.func @gathernd_batch_dims(%x: tensor<2x3xf32>, %i: tensor<2x1xi64>) -> tensor<2xf32> {
  // expected-error @+1 {{'nn.gather_nd' op batch_dims 2 must be in [0, 2) for data of rank 2 and indices of rank 2}}
  %y = nn.gather_nd %x, %i {batch_dims = 2 : i64} : (tensor<2x3xf32>, tensor<2x1xi64>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @gathernd_tuple(%x: tensor<2x3xf32>, %i: tensor<2x3xi64>) -> tensor<2xf32> {
  // expected-error @+1 {{'nn.gather_nd' op the last dim of indices (3) must be in [1, 2] for data of rank 2 and batch_dims 0}}
  %y = nn.gather_nd %x, %i : (tensor<2x3xf32>, tensor<2x3xi64>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @gathernd_batch_mismatch(%x: tensor<2x3xf32>, %i: tensor<3x1xi64>) -> tensor<3xf32> {
  // expected-error @+1 {{'nn.gather_nd' op batch dim 0 of indices (3) differs from the data's (2)}}
  %y = nn.gather_nd %x, %i {batch_dims = 1 : i64} : (tensor<2x3xf32>, tensor<3x1xi64>) -> tensor<3xf32>
  return %y : tensor<3xf32>
}

// -----

func.func @gathernd_const_index(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %i = nn.constant dense<[[1, 2], [2, 0]]> : tensor<2x2xi64>
  // expected-error @+1 {{'nn.gather_nd' op index 2 is out of bounds for data dim 0 of size 2}}
  %y = nn.gather_nd %x, %i : (tensor<2x3xf32>, tensor<2x2xi64>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @gathernd_rank0(%x: tensor<f32>, %i: tensor<1xi64>) -> tensor<f32> {
  // expected-error @+1 {{'nn.gather_nd' op data must have rank >= 1}}
  %y = nn.gather_nd %x, %i : (tensor<f32>, tensor<1xi64>) -> tensor<f32>
  return %y : tensor<f32>
}

// -----

func.func @scatternd_updates(%x: tensor<4x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2x3xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{'nn.scatter_nd' op updates must have the shape indices.shape[:-1] + data.shape[m:] ('tensor<2x4xf32>'), got 'tensor<2x3xf32>'}}
  %y = nn.scatter_nd %x, %i, %u : (tensor<4x4xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}

// -----

func.func @scatternd_reduction(%x: tensor<4x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2x4xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{'nn.scatter_nd' op reduction 'min' needs opset 18}}
  %y = nn.scatter_nd %x, %i, %u {reduction = "min"} : (tensor<4x4xf32>, tensor<2x1xi64>, tensor<2x4xf32>) -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}

// -----

func.func @scatternd_const_index(%x: tensor<4x4xf32>, %u: tensor<2x4xf32>) -> tensor<4x4xf32> {
  %i = nn.constant dense<[[0], [7]]> : tensor<2x1xi64>
  // expected-error @+1 {{'nn.scatter_nd' op index 7 is out of bounds for data dim 0 of size 4}}
  %y = nn.scatter_nd %x, %i, %u : (tensor<4x4xf32>, tensor<2x1xi64>, tensor<2x4xf32>) -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}

// -----

func.func @onehot_values(%i: tensor<3xi64>, %d: tensor<f32>, %v: tensor<3xf32>) -> tensor<3x10xf32> {
  // expected-error @+1 {{'nn.one_hot' op values must be a 1-D tensor of two elements [off_value, on_value]}}
  %y = nn.one_hot %i, %d, %v : (tensor<3xi64>, tensor<f32>, tensor<3xf32>) -> tensor<3x10xf32>
  return %y : tensor<3x10xf32>
}

// -----

func.func @onehot_depth_shape(%i: tensor<3xi64>, %d: tensor<2xf32>, %v: tensor<2xf32>) -> tensor<3x10xf32> {
  // expected-error @+1 {{'nn.one_hot' op depth must be a scalar or have one element}}
  %y = nn.one_hot %i, %d, %v : (tensor<3xi64>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x10xf32>
  return %y : tensor<3x10xf32>
}

// -----

func.func @onehot_axis(%i: tensor<3xi64>, %d: tensor<f32>, %v: tensor<2xf32>) -> tensor<3x10xf32> {
  // expected-error @+1 {{'nn.one_hot' op axis 2 is out of range for rank 2}}
  %y = nn.one_hot %i, %d, %v {axis = 2 : i64} : (tensor<3xi64>, tensor<f32>, tensor<2xf32>) -> tensor<3x10xf32>
  return %y : tensor<3x10xf32>
}

// -----

func.func @onehot_depth_value(%i: tensor<3xi64>, %v: tensor<2xf32>) -> tensor<3x10xf32> {
  %d = nn.constant dense<0> : tensor<i64>
  // expected-error @+1 {{'nn.one_hot' op depth 0 must be in [1, 2^40]}}
  %y = nn.one_hot %i, %d, %v : (tensor<3xi64>, tensor<i64>, tensor<2xf32>) -> tensor<3x10xf32>
  return %y : tensor<3x10xf32>
}

// -----

func.func @onehot_depth_result(%i: tensor<3xi64>, %v: tensor<2xf32>) -> tensor<3x10xf32> {
  %d = nn.constant dense<4> : tensor<i64>
  // expected-error @+1 {{'nn.one_hot' op result #0 has type 'tensor<3x10xf32>' but its operands and attributes imply 'tensor<3x4xf32>'}}
  %y = nn.one_hot %i, %d, %v : (tensor<3xi64>, tensor<i64>, tensor<2xf32>) -> tensor<3x10xf32>
  return %y : tensor<3x10xf32>
}

// -----

func.func @trilu_rank(%x: tensor<4xf32>) -> tensor<4xf32> {
  %none = nn.none
  // expected-error @+1 {{'nn.trilu' op input must have rank >= 2, got rank 1}}
  %y = nn.trilu %x, %none : (tensor<4xf32>, none) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @trilu_k(%x: tensor<4x4xf32>, %k: tensor<2xi64>) -> tensor<4x4xf32> {
  // expected-error @+1 {{'nn.trilu' op k must be a scalar or have one element}}
  %y = nn.trilu %x, %k : (tensor<4x4xf32>, tensor<2xi64>) -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}

// -----

func.func @eyelike_rank(%x: tensor<4x4x2xf32>) -> tensor<4x4x2xf32> {
  // expected-error @+1 {{'nn.eye_like' op input must have rank 2, got rank 3}}
  %y = nn.eye_like %x : (tensor<4x4x2xf32>) -> tensor<4x4x2xf32>
  return %y : tensor<4x4x2xf32>
}

// -----

func.func @eyelike_dtype(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{'nn.eye_like' op dtype 8 is not a supported element type}}
  %y = nn.eye_like %x {dtype = 8 : i64} : (tensor<4x4xf32>) -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}

// -----

func.func @nll_reduction(%x: tensor<3x5xf32>, %t: tensor<3xi64>) -> tensor<f32> {
  %none = nn.none
  // expected-error @+1 {{'nn.negative_log_likelihood_loss' op reduction 'avg' is not one of 'none', 'sum' and 'mean'}}
  %y = nn.negative_log_likelihood_loss %x, %t, %none {reduction = "avg"} : (tensor<3x5xf32>, tensor<3xi64>, none) -> tensor<f32>
  return %y : tensor<f32>
}

// -----

func.func @nll_input_rank(%x: tensor<3xf32>, %t: tensor<3xi64>) -> tensor<f32> {
  %none = nn.none
  // expected-error @+1 {{'nn.negative_log_likelihood_loss' op input must have rank >= 2 (N, C, d1, ...), got rank 1}}
  %y = nn.negative_log_likelihood_loss %x, %t, %none : (tensor<3xf32>, tensor<3xi64>, none) -> tensor<f32>
  return %y : tensor<f32>
}

// -----

func.func @nll_target_rank(%x: tensor<3x5x2xf32>, %t: tensor<3xi64>) -> tensor<f32> {
  %none = nn.none
  // expected-error @+1 {{'nn.negative_log_likelihood_loss' op target must have rank 2 (the input's without C), got rank 1}}
  %y = nn.negative_log_likelihood_loss %x, %t, %none : (tensor<3x5x2xf32>, tensor<3xi64>, none) -> tensor<f32>
  return %y : tensor<f32>
}

// -----

func.func @nll_target_dim(%x: tensor<3x5x2xf32>, %t: tensor<3x4xi64>) -> tensor<f32> {
  %none = nn.none
  // expected-error @+1 {{'nn.negative_log_likelihood_loss' op target dim 1 (4) differs from the input's (2)}}
  %y = nn.negative_log_likelihood_loss %x, %t, %none : (tensor<3x5x2xf32>, tensor<3x4xi64>, none) -> tensor<f32>
  return %y : tensor<f32>
}

// -----

func.func @nll_weight(%x: tensor<3x5xf32>, %t: tensor<3xi64>, %w: tensor<4xf32>) -> tensor<f32> {
  // expected-error @+1 {{'nn.negative_log_likelihood_loss' op weights have 4 entries but there are 5 classes}}
  %y = nn.negative_log_likelihood_loss %x, %t, %w : (tensor<3x5xf32>, tensor<3xi64>, tensor<4xf32>) -> tensor<f32>
  return %y : tensor<f32>
}

// -----

func.func @nll_const_target(%x: tensor<3x5xf32>) -> tensor<f32> {
  %none = nn.none
  %t = nn.constant dense<[1, 5, -1]> : tensor<3xi64>
  // expected-error @+1 {{'nn.negative_log_likelihood_loss' op target 5 is out of range for 5 classes}}
  %y = nn.negative_log_likelihood_loss %x, %t, %none {ignore_index = -1 : i64} : (tensor<3x5xf32>, tensor<3xi64>, none) -> tensor<f32>
  return %y : tensor<f32>
}

// -----

func.func @sce_reduction(%x: tensor<3x5xf32>, %t: tensor<3xi64>) -> (tensor<f32>, tensor<3x5xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.softmax_cross_entropy_loss' op reduction 'max' is not one of 'none', 'sum' and 'mean'}}
  %y, %l = nn.softmax_cross_entropy_loss %x, %t, %none {reduction = "max"} : (tensor<3x5xf32>, tensor<3xi64>, none) -> (tensor<f32>, tensor<3x5xf32>)
  return %y, %l : tensor<f32>, tensor<3x5xf32>
}

// -----

func.func @sce_weight_rank(%x: tensor<3x5xf32>, %t: tensor<3xi64>, %w: tensor<5x1xf32>) -> (tensor<f32>, tensor<3x5xf32>) {
  // expected-error @+1 {{'nn.softmax_cross_entropy_loss' op weights must be 1-D, got rank 2}}
  %y, %l = nn.softmax_cross_entropy_loss %x, %t, %w : (tensor<3x5xf32>, tensor<3xi64>, tensor<5x1xf32>) -> (tensor<f32>, tensor<3x5xf32>)
  return %y, %l : tensor<f32>, tensor<3x5xf32>
}
