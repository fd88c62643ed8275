// RUN: tessera-opt %s --tessera-npu-attach-hw=hw=edge | FileCheck %s --check-prefix=EDGE
// RUN: tessera-opt %s --tessera-npu-attach-hw=hw=large | FileCheck %s --check-prefix=LARGE
// RUN: tessera-opt %s --tessera-npu-attach-hw=hw=%tessera_src/lib/NPU/presets/mid.yaml | FileCheck %s --check-prefix=MID

// The attribute carries the description's hash (checked against the one
// --npu-check-hw prints in test/Target/NPU/hw-hash.mlir). The errors are in
// attach-hw-errors.mlir.

// EDGE: module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = {{[0-9]+}}>}
// LARGE: #npu.hardware<name = "large", rows = 128, cols = 128, scratchpad_bytes = 8388608,
// MID: #npu.hardware<name = "mid", rows = 32, cols = 32, scratchpad_bytes = 1048576,
module {
}
