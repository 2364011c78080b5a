/**
 * Child for the checkpoint fault test: saves a tiny cascade to RECIST_CKPT_DIR over and over with saveCheckpoint,
 * version `v<i>` and every weight set to i (so a loaded model can be checked against its card), and messages the
 * parent `{ saved: i }` after each completed save. The parent kills it with SIGKILL at a random moment.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/backend/index.ts';
import { buildCascade } from '../../src/model/cascade.ts';
import { saveCheckpoint } from '../../src/model/checkpoint.ts';
import { resolveConfig } from '../../src/model/config.ts';

const dir = process.env.RECIST_CKPT_DIR;
if (!dir) throw new Error('RECIST_CKPT_DIR is required');
const start = Number(process.env.RECIST_CKPT_START ?? 1);
await initBackend('cpu');
const config = resolveConfig({ preset: 'tiny' });
const cascade = buildCascade(config, { seed: 1 });
for (let i = start; ; i++) {
  for (const m of [cascade.stn!, cascade.shn]) for (const w of m.weights) w.write(tf.fill(w.shape as number[], i));
  await saveCheckpoint(cascade, {
    format: 'recist-cascade/1', version: `v${i}`, preset: 'tiny', ablation: 'full', config, createdAt: new Date().toISOString(),
    backend: 'cpu', seed: 1, data: {}, training: {}, metrics: {}, parent: null, command: 'fault test',
  }, dir);
  process.send?.({ saved: i });
}
