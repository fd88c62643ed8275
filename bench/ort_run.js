// ===- ort_run.js - run a model with ONNX Runtime on .npy tensors -----------===//
//
// Usage: node ort_run.js MODEL.onnx OUT_DIR NAME=IN.npy ...
// Writes every output as OUT_DIR/<name>.npy (float32, int64 or bool outputs).
// The end-to-end tests use it as the reference for tessera-run --expect.
// ===----------------------------------------------------------------------===//
const fs = require('fs');
const path = require('path');
const ort = require(process.env.ORT_MODULE || 'onnxruntime-node');

const DTYPES = {'<f4': ['float32', Float32Array], '<i8': ['int64', BigInt64Array],
                '|b1': ['bool', Uint8Array], '<i4': ['int32', Int32Array]};

function readNpy(file) {
  const buf = fs.readFileSync(file);
  const headerLen = buf.readUInt16LE(8);
  const header = buf.toString('latin1', 10, 10 + headerLen);
  const descr = /'descr': '([^']+)'/.exec(header)[1];
  const shape = /'shape': \(([^)]*)\)/.exec(header)[1].split(',')
      .map((s) => s.trim()).filter((s) => s.length).map(Number);
  const [type, Ctor] = DTYPES[descr];
  const bytes = buf.subarray(10 + headerLen);
  const data = new Ctor(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  return new ort.Tensor(type, type === 'bool' ? Array.from(data, Boolean) : data, shape);
}

function writeNpy(file, tensor) {
  const descr = {float32: '<f4', int64: '<i8', bool: '|b1', int32: '<i4'}[tensor.type];
  const shape = tensor.dims.length === 1 ? `${tensor.dims[0]},` : tensor.dims.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape}), }`;
  while ((10 + header.length + 1) % 64) header += ' ';
  header += '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1; pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const data = tensor.type === 'bool' ? Buffer.from(Uint8Array.from(tensor.data, Number))
                                      : Buffer.from(tensor.data.buffer);
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), data]));
}

async function main() {
  const [model, outDir, ...bindings] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model, {intraOpNumThreads: 1});
  const feeds = {};
  for (const b of bindings) {
    const [name, file] = b.split('=');
    feeds[name] = readNpy(file);
  }
  const results = await session.run(feeds);
  fs.mkdirSync(outDir, {recursive: true});
  for (const [name, tensor] of Object.entries(results))
    writeNpy(path.join(outDir, name.replace(/[^A-Za-z0-9_.-]/g, '_') + '.npy'), tensor);
}
main().catch((e) => { console.error(e.message); process.exit(1); });
