import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@selfsup/backends';
import { createModel } from '@selfsup/model';
const [B, T] = [Number(process.argv[2]), Number(process.argv[3])];
await selectBackend('wasm', { threads: 1 });
const model = createModel({ objective: 'mlm', vocabSize: 8000, nLayer: 2, nHead: 2, nEmbd: 128, blockSize: 128, dropout: 0.1 }, { seed: 1 });
const ids = tf.tensor2d(Array.from({ length: B * T }, (_, i) => 5 + ((i * 7919) % 7000)), [B, T], 'int32');
const labels = tf.tensor2d(Array.from({ length: B * T }, (_, i) => ((i * 2654435761) % 100 < 15 ? 5 + ((i * 31) % 7000) : -100)), [B, T], 'int32');
const mask = tf.ones([B, T], 'int32');
const vars = [...model.params.values()];
const info = await tf.profile(() => { const { value, grads } = tf.variableGrads(() => model.loss(ids, labels, { training: true, dropoutSeed: 1, attentionMask: mask }), vars); tf.dispose([value, ...Object.values(grads)]); });
console.log('peakMiB', (info.peakBytes / 2 ** 20).toFixed(0), 'newMiB', (info.newBytes / 2 ** 20).toFixed(0));
const by = new Map();
let peakAt = 0, running = 0, maxRun = 0, atMax = '';
for (const k of info.kernels) { const mb = k.bytesAdded / 2 ** 20; const e = by.get(k.name) ?? [0, 0]; e[0] += mb; e[1]++; by.set(k.name, e); }
console.log([...by.entries()].sort((a, b) => b[1][0] - a[1][0]).slice(0, 20).map(([n, [mb, c]]) => `${n} ${mb.toFixed(0)}MiB x${c}`).join('\n'));
const snaps = info.kernels.map((k) => k.totalBytesSnapshot / 2 ** 20);
const mi = snaps.indexOf(Math.max(...snaps));
console.log('max snapshot MiB', Math.max(...snaps).toFixed(0), 'at kernel', mi, info.kernels[mi].name, 'of', info.kernels.length);
let fw = info.kernels.findIndex((k) => k.name.includes('Grad') || k.name === 'UnsortedSegmentSum');
console.log('first grad kernel idx', fw, 'snapshot there', snaps[fw]?.toFixed(0));
const byF = new Map(); for (const k of info.kernels.slice(0, fw)) { const e = byF.get(k.name) ?? [0, 0]; e[0] += k.bytesAdded / 2 ** 20; e[1]++; byF.set(k.name, e); }
console.log('FORWARD:\n' + [...byF.entries()].sort((a, b) => b[1][0] - a[1][0]).slice(0, 20).map(([n, [mb, c]]) => `${n} ${mb.toFixed(0)}MiB x${c}`).join('\n'));
const shapes = new Map();
for (const k of info.kernels.slice(0, fw)) if (['Identity', 'Multiply', 'Add'].includes(k.name)) { const key = k.name + ' ' + JSON.stringify(k.outputShapes) + ' in ' + JSON.stringify(k.inputShapes); shapes.set(key, (shapes.get(key) ?? 0) + 1); }
console.log([...shapes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([k, c]) => `${c}x ${k}`).join('\n'));
