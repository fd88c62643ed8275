// RUN: tessera-opt %s -tessera-cpu-pad-channels=multiple=0 -verify-diagnostics

// expected-error @below {{multiple must be positive, got 0}}
func.func @zero_multiple() {
  return
}
