//===- Placement.h - host or NPU for each layer, as a library ---*- C++ -*-===//
//
// Part of Tessera. What `tessera-npu-place` decides, callable without a pass
// or a hardware file: placeModule matches the NPU layers of every function,
// tiles them for an in-memory hardware description with the kernel
// library's cost model, applies the cost rule and the placement overrides,
// groups the NPU layers into segments, writes the placement attributes and
// returns one row per layer and host op with the full predicted cost. The
// pass is a thin wrapper around it; the co-design explorer
// (tessera/Explore/Explore.h) costs whole models with it.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CODEGEN_NPU_PLACEMENT_H
#define TESSERA_CODEGEN_NPU_PLACEMENT_H

#include "tessera/Codegen/NPU/Layer.h"
#include "tessera/NPU/Hardware.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tessera::npu {

/// How placeModule decides (the options of tessera-npu-place).
struct PlacementOptions {
  /// A layer that no tiling fits is an error at its op rather than a host
  /// fallback.
  bool strict = false;
  /// Gemmini's greedy tiling (greedyConvTiling) instead of the search.
  bool greedy = false;
  /// Keep a layer that would form a segment of its own on the host when
  /// the host is faster than the NPU plus the layout transfers.
  bool costRule = true;
  /// Host int8 throughput of the cost rule, GMAC/s (a pooling or an
  /// elementwise layer: input elements per ns).
  double hostGmacs = 20;
  /// Host bandwidth of the layout transfers of the cost rule, GB/s.
  double hostGbps = 10;
  /// Placement overrides: ONNX node name -> "host" or "npu" (the entries of
  /// a placement file, docs/npu/compiler.md).
  llvm::StringMap<std::string> overrides;
  /// The file the overrides came from, for messages.
  std::string placementFile;
};

/// One row of the placement: an NPU-capable layer (matched, on the NPU or
/// left on the host) or a host op that is no part of any layer.
struct PlacementRow {
  std::string function; ///< the function's symbol name
  /// The layer's ONNX node names joined with '+' (an op without a name:
  /// its op name for a layer, empty for a host op).
  std::string node;
  std::string op; ///< the layer's op names joined with '+'
  /// conv, matmul, maxpool, globalsum, avgpool, add, lut; empty for a host
  /// op that is no layer.
  std::string kind;
  bool npu = false;
  std::string reason;   ///< host: why
  std::string tiling;   ///< npu: the chosen tiling's str()
  int64_t segment = -1; ///< npu: the segment's number, from 0 per module
  LayerCost cost;       ///< npu: the cost model's prediction
  /// Layers: useful MACs (0 for poolings and elementwise layers), int8
  /// bytes read and written.
  uint64_t macs = 0, inputBytes = 0, outputBytes = 0;
  /// Layers: the cost rule's host estimate (MACs, or input elements of a
  /// pooling or an elementwise layer, at PlacementOptions::hostGmacs).
  double hostMicroseconds = 0;

  bool isLayer() const { return !kind.empty(); }
};

/// One segment: a run of NPU layers launched as one program.
struct PlacementSegment {
  std::string function;
  int64_t index = 0;
  unsigned layers = 0;
  /// Bytes of the values the segment reads from the host (each once) and
  /// of its results the host reads: what crosses the host/NPU boundary.
  uint64_t inputBytes = 0, outputBytes = 0;
};

/// The placement of a module.
struct Placement {
  /// Every layer and every placed host op (not constants, not
  /// terminators), function by function in block order; a layer once, at
  /// its first op.
  std::vector<PlacementRow> rows;
  std::vector<PlacementSegment> segments;
};

/// Places every function of `module` for `hw`: matches and tiles the
/// layers, applies the overrides and the cost rule, groups the segments,
/// writes `npu.place`, `npu.reason` and `npu.tiling` and moves each layer's
/// ops next to each other (as tessera-npu-place). Errors are emitted at the
/// op (strict, an override to "npu" of a layer the NPU cannot run) or the
/// module (an override naming no node).
mlir::FailureOr<Placement> placeModule(mlir::ModuleOp module,
                                       const HardwareDesc &hw,
                                       const PlacementOptions &options);

} // namespace tessera::npu

#endif // TESSERA_CODEGEN_NPU_PLACEMENT_H
