// RUN: tessera-opt %s -tessera-nn-stage | FileCheck %s

// The `nn` stage of tessera-compile as a named pipeline: refine, fold, clean.
// CHECK-LABEL: func.func @stage
// CHECK-SAME:    -> tensor<2x12xf32>
func.func @stage(%x: tensor<2x3x4xf32>) -> tensor<?x?xf32> {
  // CHECK-NEXT: %[[S:.*]] = nn.constant dense<[2, -1]> : tensor<2xi64>
  // CHECK-NEXT: %[[R:.*]] = nn.reshape %{{.*}}, %[[S]] : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x12xf32>
  // CHECK-NEXT: return %[[R]]
  %s = nn.shape %x {end = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<?xi64>
  %m = nn.constant dense<-1> : tensor<1xi64>
  %c = nn.concat %s, %m {axis = 0 : i64} : (tensor<?xi64>, tensor<1xi64>) -> tensor<?xi64>
  %unused = nn.relu %x : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %r = nn.reshape %x, %c : (tensor<2x3x4xf32>, tensor<?xi64>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// The stage ends in graph fusion; `fuse=false` leaves the graph ungrouped.
// RUN: tessera-opt %s -tessera-nn-stage | FileCheck %s --check-prefix=FUSE
// RUN: tessera-opt %s -tessera-nn-stage=fuse=false | FileCheck %s --check-prefix=NOFUSE
// FUSE-LABEL:  func.func @fusion
// FUSE:          nn.fused "matmul"
// FUSE:            nn.matmul
// FUSE-NEXT:       nn.relu
// FUSE-NEXT:       nn.yield
// NOFUSE-LABEL: func.func @fusion
// NOFUSE-NOT:   nn.fused
func.func @fusion(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %m = nn.matmul %a, %b : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %r = nn.relu %m : (tensor<2x4xf32>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}
