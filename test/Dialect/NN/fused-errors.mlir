// RUN: tessera-opt %s -split-input-file -verify-diagnostics

// The verifier of nn.fused: kind, anchor, body ops and yield types.

func.func @unknown_kind(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'nn.fused' op has unknown kind 'pool' (expected conv, conv_transpose, gemm, matmul or elementwise)}}
  %0 = nn.fused "pool" (%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %r = nn.relu %a : (tensor<4xf32>) -> tensor<4xf32>
    nn.yield %r : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

func.func @kind_mismatch(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'nn.fused' op of kind 'conv' must start with its anchor op, not nn.matmul}}
  %0 = nn.fused "conv" (%a, %b) : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32> {
  ^bb0(%x: tensor<2x3xf32>, %y: tensor<3x4xf32>):
    %m = nn.matmul %x, %y : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
    %r = nn.relu %m : (tensor<2x4xf32>) -> tensor<2x4xf32>
    nn.yield %r : tensor<2x4xf32>
  }
  return %0 : tensor<2x4xf32>
}

// -----

func.func @elementwise_with_anchor(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'nn.fused' op of kind 'elementwise' starts with anchor 'nn.matmul'}}
  %0 = nn.fused "elementwise" (%a, %b) : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32> {
  ^bb0(%x: tensor<2x3xf32>, %y: tensor<3x4xf32>):
    %m = nn.matmul %x, %y : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
    nn.yield %m : tensor<2x4xf32>
  }
  return %0 : tensor<2x4xf32>
}

// -----

func.func @second_anchor(%a: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %0 = nn.fused "matmul" (%a) : (tensor<2x2xf32>) -> tensor<2x2xf32> {
  ^bb0(%x: tensor<2x2xf32>):
    %m = nn.matmul %x, %x : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
    // expected-error @+1 {{'nn.matmul' op is an anchor but not the group's first op}}
    %n = nn.matmul %m, %x : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
    nn.yield %n : tensor<2x2xf32>
  }
  return %0 : tensor<2x2xf32>
}

// -----

func.func @not_nn(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = nn.fused "elementwise" (%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    // expected-error @+1 {{'arith.addf' op is not an nn op: only nn ops may be fused}}
    %s = arith.addf %a, %a : tensor<4xf32>
    %r = nn.relu %s : (tensor<4xf32>) -> tensor<4xf32>
    nn.yield %r : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

func.func @yield_types(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'nn.fused' op yields 'tensor<4xi1>' but the op results are 'tensor<4xf32>'}}
  %0 = nn.fused "elementwise" (%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %r = nn.relu %a : (tensor<4xf32>) -> tensor<4xf32>
    %c = nn.less %r, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
    nn.yield %c : tensor<4xi1>
  }
  return %0 : tensor<4xf32>
}

// -----

func.func @argument_types(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'nn.fused' op body arguments must have the types of the operands}}
  %0 = nn.fused "elementwise" (%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<2xf32>):
    %r = nn.relu %a : (tensor<2xf32>) -> tensor<2xf32>
    %s = nn.exp %r : (tensor<2xf32>) -> tensor<2xf32>
    nn.yield %s : tensor<2xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

func.func @isolated(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-note @+1 {{required by region isolation constraints}}
  %0 = nn.fused "elementwise" (%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    // expected-error @+1 {{using value defined outside the region}}
    %r = nn.add %a, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    nn.yield %r : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}
