// RUN: tessera-opt %s -split-input-file -verify-diagnostics

// The located errors of the detection and image ops' shape functions.

func.func @grid_sample_rank(%x: tensor<1x1x4xf32>, %g: tensor<1x2x2x2xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'nn.grid_sample' op X must be 4-D (N, C, H, W), got rank 3}}
  %y = nn.grid_sample %x, %g : (tensor<1x1x4xf32>, tensor<1x2x2x2xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @grid_sample_grid_rank(%x: tensor<1x1x4x4xf32>, %g: tensor<1x2x2xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{grid must be 4-D (N, H_out, W_out, 2), got rank 3}}
  %y = nn.grid_sample %x, %g : (tensor<1x1x4x4xf32>, tensor<1x2x2xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @grid_sample_grid_last(%x: tensor<1x1x4x4xf32>, %g: tensor<1x2x2x3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{grid's last dimension must be 2, got 3}}
  %y = nn.grid_sample %x, %g : (tensor<1x1x4x4xf32>, tensor<1x2x2x3xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @grid_sample_batch(%x: tensor<2x1x4x4xf32>, %g: tensor<3x2x2x2xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{X has batch 2 but grid has 3}}
  %y = nn.grid_sample %x, %g : (tensor<2x1x4x4xf32>, tensor<3x2x2x2xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @grid_sample_mode(%x: tensor<1x1x4x4xf32>, %g: tensor<1x2x2x2xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{mode must be 'bilinear', 'nearest' or 'bicubic', got 'linear'}}
  %y = nn.grid_sample %x, %g {mode = "linear"} : (tensor<1x1x4x4xf32>, tensor<1x2x2x2xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @grid_sample_padding(%x: tensor<1x1x4x4xf32>, %g: tensor<1x2x2x2xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{padding_mode must be 'zeros', 'border' or 'reflection', got 'wrap'}}
  %y = nn.grid_sample %x, %g {padding_mode = "wrap"} : (tensor<1x1x4x4xf32>, tensor<1x2x2x2xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @grid_sample_int(%x: tensor<1x1x4x4xi32>, %g: tensor<1x2x2x2xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{X must have a floating-point element type, got 'i32'}}
  %y = nn.grid_sample %x, %g : (tensor<1x1x4x4xi32>, tensor<1x2x2x2xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @roi_align_rois(%x: tensor<1x3x8x8xf32>, %r: tensor<2x5xf32>, %b: tensor<2xi64>) -> tensor<*xf32> {
  // expected-error @+1 {{'nn.roi_align' op rois must have shape (num_rois, 4)}}
  %y = nn.roi_align %x, %r, %b : (tensor<1x3x8x8xf32>, tensor<2x5xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @roi_align_batch_rank(%x: tensor<1x3x8x8xf32>, %r: tensor<2x4xf32>, %b: tensor<2x1xi64>) -> tensor<*xf32> {
  // expected-error @+1 {{batch_indices must be 1-D, got rank 2}}
  %y = nn.roi_align %x, %r, %b : (tensor<1x3x8x8xf32>, tensor<2x4xf32>, tensor<2x1xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @roi_align_count(%x: tensor<1x3x8x8xf32>, %r: tensor<2x4xf32>, %b: tensor<3xi64>) -> tensor<*xf32> {
  // expected-error @+1 {{rois has 2 rows but batch_indices has 3 values}}
  %y = nn.roi_align %x, %r, %b : (tensor<1x3x8x8xf32>, tensor<2x4xf32>, tensor<3xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @roi_align_index(%x: tensor<2x3x8x8xf32>, %r: tensor<2x4xf32>) -> tensor<*xf32> {
  %b = nn.constant dense<[1, 2]> : tensor<2xi64>
  // expected-error @+1 {{batch_indices[1] = 2 is out of range for a batch of 2}}
  %y = nn.roi_align %x, %r, %b : (tensor<2x3x8x8xf32>, tensor<2x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @roi_align_mode(%x: tensor<1x3x8x8xf32>, %r: tensor<2x4xf32>, %b: tensor<2xi64>) -> tensor<*xf32> {
  // expected-error @+1 {{mode must be 'avg' or 'max', got 'sum'}}
  %y = nn.roi_align %x, %r, %b {mode = "sum"} : (tensor<1x3x8x8xf32>, tensor<2x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @roi_align_transform(%x: tensor<1x3x8x8xf32>, %r: tensor<2x4xf32>, %b: tensor<2xi64>) -> tensor<*xf32> {
  // expected-error @+1 {{coordinate_transformation_mode must be 'half_pixel' or 'output_half_pixel', got 'asymmetric'}}
  %y = nn.roi_align %x, %r, %b {coordinate_transformation_mode = "asymmetric"} : (tensor<1x3x8x8xf32>, tensor<2x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @roi_align_output(%x: tensor<1x3x8x8xf32>, %r: tensor<2x4xf32>, %b: tensor<2xi64>) -> tensor<*xf32> {
  // expected-error @+1 {{output_height and output_width must be positive, got 0 and 2}}
  %y = nn.roi_align %x, %r, %b {output_height = 0 : i64, output_width = 2 : i64} : (tensor<1x3x8x8xf32>, tensor<2x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @roi_align_sampling(%x: tensor<1x3x8x8xf32>, %r: tensor<2x4xf32>, %b: tensor<2xi64>) -> tensor<*xf32> {
  // expected-error @+1 {{sampling_ratio must be non-negative}}
  %y = nn.roi_align %x, %r, %b {sampling_ratio = -1 : i64} : (tensor<1x3x8x8xf32>, tensor<2x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @det_square(%x: tensor<2x3x4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'nn.det' op X must hold square matrices, got 3x4}}
  %y = nn.det %x : (tensor<2x3x4xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @det_rank(%x: tensor<3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'nn.det' op X must have rank >= 2, got rank 1}}
  %y = nn.det %x : (tensor<3xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @max_unpool_rank(%x: tensor<1x1x2xf32>, %i: tensor<1x1x2xi64>) -> tensor<*xf32> {
  %n = nn.none
  // expected-error @+1 {{'nn.max_unpool' op X must have rank 4 (N, C and one dim per kernel_shape value), got rank 3}}
  %y = nn.max_unpool %x, %i, %n {kernel_shape = array<i64: 2, 2>} : (tensor<1x1x2xf32>, tensor<1x1x2xi64>, none) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @max_unpool_indices(%x: tensor<1x1x2x2xf32>, %i: tensor<1x1x2x3xi64>) -> tensor<*xf32> {
  %n = nn.none
  // expected-error @+1 {{I must have the shape of X}}
  %y = nn.max_unpool %x, %i, %n {kernel_shape = array<i64: 2, 2>} : (tensor<1x1x2x2xf32>, tensor<1x1x2x3xi64>, none) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @max_unpool_strides(%x: tensor<1x1x2x2xf32>, %i: tensor<1x1x2x2xi64>) -> tensor<*xf32> {
  %n = nn.none
  // expected-error @+1 {{strides has 1 values, expected 2}}
  %y = nn.max_unpool %x, %i, %n {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2>} : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>, none) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @max_unpool_output_shape(%x: tensor<1x1x2x2xf32>, %i: tensor<1x1x2x2xi64>) -> tensor<*xf32> {
  %s = nn.constant dense<[1, 1, 3, 4]> : tensor<4xi64>
  // expected-error @+1 {{output_shape[2] = 3 is smaller than the unpooled size 4 or does not match the input}}
  %y = nn.max_unpool %x, %i, %s {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>, tensor<4xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}
