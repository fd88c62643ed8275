// RUN: tessera-opt %s -split-input-file -verify-diagnostics

// Located errors of malformed nn.if, nn.loop and nn.scan.

func.func @if_branch_type(%c: tensor<i1>, %a: tensor<2xf32>, %b: tensor<3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'nn.if' op else_branch yields 'tensor<3xf32>' for result #0, which has type 'tensor<2xf32>'}}
  %r = nn.if %c : tensor<i1> -> tensor<2xf32> {
    nn.yield %a : tensor<2xf32>
  } else {
    nn.yield %b : tensor<3xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @if_yield_count(%c: tensor<i1>, %a: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'nn.if' op then_branch yields 2 value(s) but the op expects 1}}
  %r = nn.if %c : tensor<i1> -> tensor<2xf32> {
    nn.yield %a, %a : tensor<2xf32>, tensor<2xf32>
  } else {
    nn.yield %a : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @if_cond(%c: tensor<2xi1>, %a: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'nn.if' op condition must be a one-element tensor of 'i1', got 'tensor<2xi1>'}}
  %r = nn.if %c : tensor<2xi1> -> tensor<2xf32> {
    nn.yield %a : tensor<2xf32>
  } else {
    nn.yield %a : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @loop_yield_count(%m: tensor<i64>, %c: tensor<i1>, %y0: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'nn.loop' op body yields 1 value(s) but the op expects 2}}
  %y = nn.loop %m, %c, %y0 : (tensor<i64>, tensor<i1>, tensor<2xf32>) -> tensor<2xf32> {
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %yi: tensor<2xf32>):
    nn.yield %ci : tensor<i1>
  }
  return %y : tensor<2xf32>
}

// -----

func.func @loop_carried_type(%m: tensor<i64>, %c: tensor<i1>, %y0: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'nn.loop' op loop-carried value #0 has type 'tensor<2xf32>', body argument 'tensor<3xf32>' and yielded 'tensor<3xf32>': they must agree}}
  %y = nn.loop %m, %c, %y0 : (tensor<i64>, tensor<i1>, tensor<2xf32>) -> tensor<2xf32> {
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %yi: tensor<3xf32>):
    nn.yield %ci, %yi : tensor<i1>, tensor<3xf32>
  }
  return %y : tensor<2xf32>
}

// -----

func.func @loop_trip_count(%m: tensor<2xi64>, %c: tensor<i1>, %y0: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'nn.loop' op trip count M must be a one-element tensor of 'i64', got 'tensor<2xi64>'}}
  %y = nn.loop %m, %c, %y0 : (tensor<2xi64>, tensor<i1>, tensor<2xf32>) -> tensor<2xf32> {
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %yi: tensor<2xf32>):
    nn.yield %ci, %yi : tensor<i1>, tensor<2xf32>
  }
  return %y : tensor<2xf32>
}

// -----

func.func @scan_input_axis(%s0: tensor<2xf32>, %x: tensor<3x2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'nn.scan' op scan input #0 has axis 2 out of range for rank 2}}
  %s = nn.scan %s0, %x attributes {num_scan_inputs = 1 : i64, scan_input_axes = array<i64: 2>} : (tensor<2xf32>, tensor<3x2xf32>) -> tensor<2xf32> {
  ^bb0(%si: tensor<2xf32>, %xi: tensor<2xf32>):
    nn.yield %si : tensor<2xf32>
  }
  return %s : tensor<2xf32>
}

// -----

func.func @scan_output_axis(%s0: tensor<2xf32>, %x: tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  // expected-error @+1 {{'nn.scan' op scan output #0 has axis -3 out of range for rank 2}}
  %s, %z = nn.scan %s0, %x attributes {num_scan_inputs = 1 : i64, scan_output_axes = array<i64: -3>} : (tensor<2xf32>, tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  ^bb0(%si: tensor<2xf32>, %xi: tensor<2xf32>):
    nn.yield %si, %xi : tensor<2xf32>, tensor<2xf32>
  }
  return %s, %z : tensor<2xf32>, tensor<3x2xf32>
}

// -----

func.func @scan_axes_count(%s0: tensor<2xf32>, %x: tensor<3x2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'nn.scan' op 'scan_input_axes' has 2 value(s) but the op has 1 scan inputs}}
  %s = nn.scan %s0, %x attributes {num_scan_inputs = 1 : i64, scan_input_axes = array<i64: 0, 0>} : (tensor<2xf32>, tensor<3x2xf32>) -> tensor<2xf32> {
  ^bb0(%si: tensor<2xf32>, %xi: tensor<2xf32>):
    nn.yield %si : tensor<2xf32>
  }
  return %s : tensor<2xf32>
}

// -----

func.func @scan_direction(%s0: tensor<2xf32>, %x: tensor<3x2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'nn.scan' op 'scan_input_directions' holds 2 (directions are 0 or 1)}}
  %s = nn.scan %s0, %x attributes {num_scan_inputs = 1 : i64, scan_input_directions = array<i64: 2>} : (tensor<2xf32>, tensor<3x2xf32>) -> tensor<2xf32> {
  ^bb0(%si: tensor<2xf32>, %xi: tensor<2xf32>):
    nn.yield %si : tensor<2xf32>
  }
  return %s : tensor<2xf32>
}

// -----

func.func @scan_lengths(%s0: tensor<2xf32>, %x: tensor<3x2xf32>, %y: tensor<4x2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'nn.scan' op scan input #1 has 4 slices along its axis, but an earlier one has 3}}
  %s = nn.scan %s0, %x, %y attributes {num_scan_inputs = 2 : i64} : (tensor<2xf32>, tensor<3x2xf32>, tensor<4x2xf32>) -> tensor<2xf32> {
  ^bb0(%si: tensor<2xf32>, %xi: tensor<2xf32>, %yi: tensor<2xf32>):
    nn.yield %si : tensor<2xf32>
  }
  return %s : tensor<2xf32>
}

// -----

func.func @scan_slice_type(%s0: tensor<2xf32>, %x: tensor<3x2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'nn.scan' op body argument #1 has type 'tensor<3xf32>' but slices of scan input #0 are 'tensor<2xf32>'}}
  %s = nn.scan %s0, %x attributes {num_scan_inputs = 1 : i64} : (tensor<2xf32>, tensor<3x2xf32>) -> tensor<2xf32> {
  ^bb0(%si: tensor<2xf32>, %xi: tensor<3xf32>):
    nn.yield %si : tensor<2xf32>
  }
  return %s : tensor<2xf32>
}
