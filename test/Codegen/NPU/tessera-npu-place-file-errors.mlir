// Placement-file errors name the file and the entry: "npu" forced on an op
// the NPU cannot run (at the op), a name no node has, a value other than
// "host" or "npu", a file that is no JSON object or cannot be read.
// RUN: tessera-opt %s -verify-diagnostics --tessera-npu-attach-hw=hw=edge "--tessera-npu-place=placement-file=%S/Inputs/placement-npu-on-host.json"
// RUN: not tessera-opt %s --tessera-npu-attach-hw=hw=edge "--tessera-npu-place=placement-file=%S/Inputs/placement-unknown.json" 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not tessera-opt %s --tessera-npu-attach-hw=hw=edge "--tessera-npu-place=placement-file=%S/Inputs/placement-bad-value.json" 2>&1 | FileCheck %s --check-prefix=VALUE
// RUN: not tessera-opt %s --tessera-npu-attach-hw=hw=edge "--tessera-npu-place=placement-file=%S/Inputs/placement-array.json" 2>&1 | FileCheck %s --check-prefix=ARRAY
// RUN: not tessera-opt %s --tessera-npu-attach-hw=hw=edge "--tessera-npu-place=placement-file=%S/Inputs/tiny-hw.yaml" 2>&1 | FileCheck %s --check-prefix=NOTJSON
// RUN: not tessera-opt %s --tessera-npu-attach-hw=hw=edge "--tessera-npu-place=placement-file=%t.missing.json" 2>&1 | FileCheck %s --check-prefix=MISSING

// UNKNOWN: error: placement file '{{.*}}placement-unknown.json': entry "conv9": no ONNX node of that name
// VALUE:   error: placement file '{{.*}}placement-bad-value.json': entry "conv1": "gpu" is neither "host" nor "npu"
// ARRAY:   error: placement file '{{.*}}placement-array.json' must hold one JSON object {"<ONNX node name>": "host" | "npu", ...}
// NOTJSON: error: placement file '{{.*}}tiny-hw.yaml' is not valid JSON:
// MISSING: error: cannot open placement file '{{.*}}.missing.json':

func.func @main(%x: tensor<1x16x8x8xi8>) -> tensor<1x16x8x8xi8> {
  %w = nn.constant dense<-100> : tensor<16x16x1x1xi8>
  %wzp = nn.constant dense<100> : tensor<i8>
  %none = nn.none
  // expected-error @unknown {{placement-npu-on-host.json': entry "conv1": "npu", but the NPU cannot run it: weight zero point is not zero and the weights minus it span [-200, -200], beyond int8}}
  %c = nn.conv_integer %x, %w, %none, %wzp {kernel_shape = array<i64: 1, 1>} : (tensor<1x16x8x8xi8>, tensor<16x16x1x1xi8>, none, tensor<i8>) -> tensor<1x16x8x8xi32> loc("conv1")
  %y = nn.requantize %c {multiplier = array<i32: 1073741824>, shift = array<i32: 36>} : (tensor<1x16x8x8xi32>) -> tensor<1x16x8x8xi8> loc("conv1")
  return %y : tensor<1x16x8x8xi8>
}
