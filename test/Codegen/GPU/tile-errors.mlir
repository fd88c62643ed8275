// RUN: tessera-opt %s --tessera-gpu-tile --split-input-file --verify-diagnostics

// An op with a dynamic shape has no static GPU tiling.
#map = affine_map<(d0) -> (d0)>
func.func @dynamic(%a: tensor<?xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %d = tensor.dim %a, %c0 : tensor<?xf32>
  %e = tensor.empty(%d) : tensor<?xf32>
  // expected-error @+1 {{'linalg.generic' op cannot be tiled for the GPU (dynamic shape)}}
  %y = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]} ins(%a : tensor<?xf32>) outs(%e : tensor<?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.negf %in : f32
    linalg.yield %m : f32
  } -> tensor<?xf32>
  return %y : tensor<?xf32>
}

