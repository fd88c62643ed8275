// RUN: tessera-translate --npu-to-asm %s -split-input-file -verify-diagnostics -allow-unregistered-dialect

// Problems found while translating npu IR into an NPU program, each located
// at the op that causes it.

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.tile_matmul' op is a macro op: run tessera-npu-expand-tiles before translating}}
    npu.tile_matmul m = 16, k = 16, n = 16, a = sp[0] stride 16, b = sp[256] stride 16, c = acc[0] stride 64
    npu.finish
  }
}

// -----

module {
  npu.program @p {
    npu.finish
  }
  // expected-error @+1 {{'npu.program' op is a second npu.program: a module translates into one NPU program}}
  npu.program @q {
    npu.finish
  }
}

// -----

// expected-error @+1 {{the module has no npu.program to translate}}
module {
}

// -----

module {
  // expected-error @+1 {{'npu.fence' op is outside an npu.program}}
  npu.fence
}

// -----

module {
  npu.program @p {
    // expected-error @+1 {{'test.op' op cannot be translated into an NPU program}}
    "test.op"() : () -> ()
    npu.finish
  }
}

// -----

// The ISA library's program checks, e.g. the last instruction.
module {
  // expected-error @+1 {{'npu.program' op is not a valid NPU program: }}
  npu.program @p {
    npu.fence
  }
}

// -----

module attributes {npu.hardware = #npu.hardware<name = "edge", rows = 16, cols = 16, scratchpad_bytes = 262144, accumulator_bytes = 65536, vector_lanes = 16, hash = 1>} {
  // expected-error @+1 {{'npu.program' op hw_hash 2 differs from the hash 1 of the module's hardware 'edge'}}
  npu.program @p attributes {hw_hash = 2} {
    npu.finish
  }
}

// -----

module {
  npu.program @p {
    // expected-error @+1 {{'npu.constant' op dense resource 'blob' has no data}}
    npu.constant at 0 = dense_resource<blob> : tensor<4xi8>
    npu.finish
  }
}
