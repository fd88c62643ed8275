// The npu dialect checks the placement attributes it lets onto host ops.
// RUN: tessera-opt %s -split-input-file -verify-diagnostics

func.func @bad_place(%x: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @+1 {{'npu.place' must be "host" or "npu"}}
  %y = nn.relu %x {npu.place = "gpu"} : (tensor<4xi32>) -> tensor<4xi32>
  return %y : tensor<4xi32>
}

// -----

func.func @bad_reason(%x: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @+1 {{'npu.reason' must be a string}}
  %y = nn.relu %x {npu.place = "host", npu.reason = 3 : i64} : (tensor<4xi32>) -> tensor<4xi32>
  return %y : tensor<4xi32>
}

// -----

func.func @bad_tiling(%x: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @+1 {{'npu.tiling' must be a string}}
  %y = nn.relu %x {npu.tiling = 1 : i64} : (tensor<4xi32>) -> tensor<4xi32>
  return %y : tensor<4xi32>
}
