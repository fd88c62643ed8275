// Every error of tessera-npu-attach-hw. The hardware option is one per
// tessera-opt run, so each kind of error is its own split-file part, run with
// -split-input-file -verify-diagnostics; the YAML parts carry the expected
// notes (located in the YAML file) as comments.
// RUN: rm -rf %t && split-file %s %t
// RUN: tessera-opt %t/unknown-preset.mlir --tessera-npu-attach-hw=hw=egde -split-input-file -verify-diagnostics
// RUN: tessera-opt %t/empty-option.mlir --tessera-npu-attach-hw=hw= -split-input-file -verify-diagnostics
// RUN: tessera-opt %t/missing-file.mlir --tessera-npu-attach-hw=hw=%t/none.yaml -split-input-file -verify-diagnostics
// RUN: tessera-opt %t/directory.mlir --tessera-npu-attach-hw=hw=%t -split-input-file -verify-diagnostics
// RUN: tessera-opt %t/invalid.mlir --tessera-npu-attach-hw=hw=%t/empty.yaml -split-input-file -verify-diagnostics
// RUN: tessera-opt %t/invalid.mlir --tessera-npu-attach-hw=hw=%t/unknown-key.yaml -split-input-file -verify-diagnostics
// RUN: tessera-opt %t/invalid.mlir --tessera-npu-attach-hw=hw=%t/missing-keys.yaml -split-input-file -verify-diagnostics
// RUN: tessera-opt %t/invalid.mlir --tessera-npu-attach-hw=hw=%t/impossible.yaml -split-input-file -verify-diagnostics
// RUN: tessera-opt %t/does-not-fit.mlir --tessera-npu-attach-hw=hw=edge -split-input-file -verify-diagnostics
//
// An unknown pass option is rejected by the pass-option parser before any
// module is read (no diagnostic to verify).
// RUN: not tessera-opt %t/invalid.mlir --tessera-npu-attach-hw=preset=edge 2>&1 | FileCheck %s --check-prefix=OPTION
// OPTION: no such option preset

//--- unknown-preset.mlir
// A bare word is taken for a preset name: the presets are listed.
// expected-error @+1 {{cannot open hardware description 'egde': No such file or directory (presets: edge, mid, large)}}
module {
}

//--- empty-option.mlir
// expected-error @+1 {{option 'hw' is empty: name a preset (edge, mid, large) or a YAML hardware description}}
module {
}

//--- missing-file.mlir
// expected-error-re @+1 {{cannot open hardware description '{{.*}}none.yaml': No such file or directory{{$}}}}
module {
}

//--- directory.mlir
// expected-error-re @+1 {{cannot open hardware description '{{.*}}': Is a directory}}
module {
}

//--- invalid.mlir
// A description that does not parse or validate: one error, a note at each
// problem in the YAML file.
// expected-error-re @+1 {{invalid hardware description '{{.*}}.yaml'}}
module {
}

//--- empty.yaml
# expected-note {{empty hardware description}}

//--- unknown-key.yaml
name: typo
clock_mhz: 1000
array:
  rows: 16
  # expected-note @+1 {{unknown key 'colums'}}
  colums: 16

//--- missing-keys.yaml
# expected-note {{missing required key 'clock_mhz'}}
# expected-note @-1 {{missing required key 'accumulator'}}
name: incomplete
array:
  # expected-note @+1 {{missing required key 'cols' in 'array'}}
  rows: 16
scratchpad:
  kib: 256
dram:
  # expected-note @+1 {{missing required key 'latency_cycles' in 'dram'}}
  bytes_per_cycle: 16

//--- impossible.yaml
name: impossible
# expected-note @+1 {{clock_mhz must be a positive number, got 0}}
clock_mhz: 0
array:
  # expected-note @+1 {{array.rows must be in [1, 256], got 300}}
  rows: 300
  cols: 16
scratchpad:
  # expected-note @+1 {{scratchpad size 32 MiB exceeds 16 MiB (SRAM addresses are 24 bits)}}
  kib: 32768
accumulator:
  kib: 64
  # expected-note @+1 {{accumulator.banks must be in [1, 64], got 0}}
  banks: 0
dram:
  bytes_per_cycle: 16
  latency_cycles: 100

//--- does-not-fit.mlir
// The description attaches, then the module no longer verifies: a program
// written for a larger array is checked against edge's 16x16 array and
// 256 KiB scratchpad.
module {
  npu.program @p {
    // expected-error @+1 {{'npu.preload' op k = 32 exceeds the 16 rows of the array of hardware 'edge'}}
    npu.preload sp_addr = 0, k = 32, n = 16, sp_stride = 16
  }
}

// -----

// An attached description is replaced, and the program is verified against
// the new one.
module attributes {npu.hardware = #npu.hardware<name = "mid", rows = 32, cols = 32, scratchpad_bytes = 1048576, accumulator_bytes = 262144, vector_lanes = 32, hash = 0>} {
  npu.program @p {
    // expected-error @+1 {{'npu.dma_load' op first row of the destination block [524288, 524320) exceeds the 262144-byte scratchpad of hardware 'edge'}}
    npu.dma_load sp, sram_addr = 524288, dram_addr = 0, rows = 1, cols = 32, pad = [0, 0, 0, 0]
  }
}
