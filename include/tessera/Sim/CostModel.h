//===- CostModel.h - closed-form NPU timing and energy rules ----*- C++ -*-===//
//
// The per-instruction cost rules of the Tessera NPU (docs/npu/simulator.md):
// how many cycles a unit is busy with one instruction and which energy
// actions (MACs, SRAM/DRAM bytes, vector-lane operations) it performs. The
// simulator's event model adds queueing and dependency waits on top of these
// rules; the compiler's tiling cost model can call them directly so that
// predicted and simulated cycles come from one definition.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_SIM_COSTMODEL_H
#define TESSERA_SIM_COSTMODEL_H

#include "tessera/NPU/Hardware.h"
#include "tessera/NPU/ISA.h"

#include <cstdint>

namespace tessera::sim {

/// What one instruction does, in the units the energy table prices.
struct InstActions {
  uint64_t macs = 0;           ///< useful int8 MACs (m * k * n of a matmul)
  uint64_t scratchpadRead = 0; ///< bytes
  uint64_t scratchpadWritten = 0;
  uint64_t accumulatorRead = 0;
  uint64_t accumulatorWritten = 0;
  uint64_t dramRead = 0;
  uint64_t dramWritten = 0;
  uint64_t vectorOps = 0; ///< vector-lane operations (one per element)

  InstActions &operator+=(const InstActions &other);
  InstActions &operator-=(const InstActions &other);
};

/// Energy by component, in picojoules.
struct Energy {
  double array = 0;       ///< MACs
  double scratchpad = 0;  ///< scratchpad reads and writes
  double accumulator = 0; ///< accumulator reads and writes
  double dram = 0;        ///< bytes moved to or from DRAM
  double vector = 0;      ///< vector-lane operations
  double leakage = 0;     ///< static energy over the cycles
  double total() const {
    return array + scratchpad + accumulator + dram + vector + leakage;
  }
  Energy &operator+=(const Energy &other);
};

/// The dynamic energy of `actions` under `table` (leakage is 0: it depends on
/// cycles, not on actions).
Energy getActionEnergy(const InstActions &actions,
                       const npu::EnergyTable &table);

/// Bytes of DRAM a dma_load/dma_store transfers: rows * cols * element size.
uint64_t getDmaBytes(const npu::Inst &inst);
/// Padding bytes a dma_load writes besides the transferred data.
uint64_t getDmaPadBytes(const npu::Inst &inst);

/// Cycles the unit of `inst` is busy with it (at least 1):
///   config_*   1
///   dma_load   dram_latency + ceil(bytes / min(dma_bpc, dram_bpc))
///              + ceil(pad_bytes / dma_bpc)
///   dma_store  dram_latency + ceil(bytes / min(dma_bpc, dram_bpc))
///   preload    R
///   matmul     m + R + C - 2
///   vec        rows * ceil(cols / lanes) + vector_latency
///   fence, finish  1 (the dispatch slot; their waiting is not unit time)
uint64_t getInstCycles(const npu::Inst &inst, const npu::HardwareDesc &hw);

/// What the array was doing before an execute instruction, for the timing
/// of double-buffered weights (hardware key array.weight_buffers = 2).
struct ArrayState {
  /// The array is streaming: the previous execute instruction was a matmul,
  /// or a preload that followed one.
  bool streaming = false;
  /// Rows of the previous execute instruction when it was a matmul, else 0.
  uint64_t lastMatmulRows = 0;
  /// Advances over execute instruction `inst`.
  void update(const npu::Inst &inst);
};

/// getInstCycles with the array's state: with weight_buffers = 2, a preload
/// right after a matmul costs max(1, R - m) (it loads the second weight
/// registers while the matmul streams) and a matmul of a streaming array
/// costs m (one fill and drain for the whole chain, paid by its first
/// matmul); otherwise as getInstCycles.
uint64_t getInstCycles(const npu::Inst &inst, const npu::HardwareDesc &hw,
                       const ArrayState &state);

/// The actions of `inst`. A matmul's MACs and bytes depend on the k x n block
/// preloaded before it (`weightsK`, `weightsN`); other opcodes ignore them.
/// A requant vec with per-channel parameters also reads them: `perChannel`
/// 1 = 8 bytes per column (multiplier, shift), 2 = 12 bytes per column
/// (multiplier, shift, bias; config_quant bias=1), 0 = none.
InstActions getInstActions(const npu::Inst &inst, unsigned perChannel,
                           unsigned weightsK, unsigned weightsN);

} // namespace tessera::sim

#endif // TESSERA_SIM_COSTMODEL_H
