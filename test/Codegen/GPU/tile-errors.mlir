// RUN: tessera-opt %s --tessera-gpu-tile --split-input-file --verify-diagnostics

// An op with a dynamic shape has no static GPU tiling.
#map = affine_map<(d0) -> (d0)>
func.func @dynamic(%a: tensor<?xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %d = tensor.dim %a, %c0 : tensor<?xf32>
  %e = tensor.empty(%d) : tensor<?xf32>
  // expected-error @+1 {{'linalg.generic' op cannot be tiled for the GPU (dynamic or zero-dimensional iteration space)}}
  %y = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]} ins(%a : tensor<?xf32>) outs(%e : tensor<?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.negf %in : f32
    linalg.yield %m : f32
  } -> tensor<?xf32>
  return %y : tensor<?xf32>
}

// -----

func.func @scalar(%a: tensor<f32>) -> tensor<f32> {
  %e = tensor.empty() : tensor<f32>
  // expected-error @+1 {{cannot be tiled for the GPU}}
  %y = linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>], iterator_types = []} ins(%a : tensor<f32>) outs(%e : tensor<f32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.negf %in : f32
    linalg.yield %m : f32
  } -> tensor<f32>
  return %y : tensor<f32>
}
