// RUN: tessera-opt %s | tessera-opt | FileCheck %s
// RUN: tessera-opt %s --mlir-print-op-generic | tessera-opt | FileCheck %s

// Round trip of nn.if, nn.loop and nn.scan; the regions use values of the
// enclosing function directly.

// CHECK-LABEL: func.func @if
// CHECK:         nn.if %{{.*}} : tensor<i1> -> tensor<2xf32> {
// CHECK:           nn.yield %{{.*}} : tensor<2xf32>
// CHECK:         } else {
// CHECK:           nn.neg %arg1
// CHECK:           nn.yield
func.func @if(%c: tensor<i1>, %a: tensor<2xf32>) -> tensor<2xf32> {
  %r = nn.if %c : tensor<i1> -> tensor<2xf32> {
    nn.yield %a : tensor<2xf32>
  } else {
    %n = nn.neg %a : (tensor<2xf32>) -> tensor<2xf32>
    nn.yield %n : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// CHECK-LABEL: func.func @loop
// CHECK:         nn.loop %{{.*}}, %{{.*}}, %{{.*}} : (tensor<i64>, none, tensor<2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
// CHECK:         ^bb0(%{{.*}}: tensor<i64>, %{{.*}}: tensor<i1>, %{{.*}}: tensor<2xf32>):
// CHECK:           nn.yield %{{.*}}, %{{.*}}, %{{.*}} : tensor<i1>, tensor<2xf32>, tensor<2xf32>
func.func @loop(%x: tensor<2xf32>, %y0: tensor<2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  %m = nn.constant dense<3> : tensor<i64>
  %none = nn.none
  %y, %s = nn.loop %m, %none, %y0 : (tensor<i64>, none, tensor<2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %yi: tensor<2xf32>):
    %n = nn.add %yi, %x : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    nn.yield %ci, %n, %n : tensor<i1>, tensor<2xf32>, tensor<2xf32>
  }
  return %y, %s : tensor<2xf32>, tensor<3x2xf32>
}

// CHECK-LABEL: func.func @scan
// CHECK:         nn.scan %{{.*}}, %{{.*}} attributes {num_scan_inputs = 1 : i64, scan_input_directions = array<i64: 1>} : (tensor<2xf32>, tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
// CHECK:           nn.yield
func.func @scan(%s0: tensor<2xf32>, %x: tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  %s, %z = nn.scan %s0, %x attributes {num_scan_inputs = 1 : i64, scan_input_directions = array<i64: 1>} : (tensor<2xf32>, tensor<3x2xf32>) -> (tensor<2xf32>, tensor<3x2xf32>) {
  ^bb0(%si: tensor<2xf32>, %xi: tensor<2xf32>):
    %n = nn.add %si, %xi : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    nn.yield %n, %n : tensor<2xf32>, tensor<2xf32>
  }
  return %s, %z : tensor<2xf32>, tensor<3x2xf32>
}
