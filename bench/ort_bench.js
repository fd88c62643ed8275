// ===- ort_bench.js - ONNX Runtime latency, the reference for cpu_bench.py --===//
//
// Usage: node ort_bench.js MODEL.onnx INPUT_NAME d0,d1,... WARMUP RUNS
// Runs the model on one thread (intra and inter op) with a random float32
// input and prints the median latency in milliseconds as JSON.
// ===----------------------------------------------------------------------===//
const ort = require(process.env.ORT_MODULE || 'onnxruntime-node');

async function main() {
  const [model, inputName, dims, warmup, runs] = process.argv.slice(2);
  const shape = dims.split(',').map(Number);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all'});
  const size = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({length: size}, () => Math.random() * 2 - 1);
  const feeds = {[inputName]: new ort.Tensor('float32', data, shape)};
  for (let i = 0; i < Number(warmup); ++i) await session.run(feeds);
  const times = [];
  for (let i = 0; i < Number(runs); ++i) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({median_ms: times[Math.floor(times.length / 2)], min_ms: times[0]}));
}
main().catch((e) => { console.error(e.message); process.exit(1); });
