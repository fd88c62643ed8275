// Options out of range are errors at the module (each case its own file:
// the options apply to the whole input).
// RUN: split-file %s %t
// RUN: tessera-opt %t/vector-bits.mlir -verify-diagnostics -tessera-cpu-vectorize="vector-bits=100"
// RUN: tessera-opt %t/channel-tile.mlir -verify-diagnostics -tessera-cpu-vectorize="channel-tile=-8"
// RUN: tessera-opt %t/pixel-tile.mlir -verify-diagnostics -tessera-cpu-vectorize="pixel-tile=-1"

//--- vector-bits.mlir
// expected-error@+1 {{vector-bits must be 0 (the host), 128, 256 or 512, got 100}}
module {
  func.func @f() {
    return
  }
}

//--- channel-tile.mlir
// expected-error@+1 {{channel-tile must be 0 (chosen for the host) or positive, got -8}}
module {
  func.func @f() {
    return
  }
}

//--- pixel-tile.mlir
// expected-error@+1 {{pixel-tile must be 0 (chosen for the host) or positive, got -1}}
module {
  func.func @f() {
    return
  }
}
