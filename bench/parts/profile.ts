/**
 * Where the forward time goes: tf.profile of one cascade forward (inference mode) at batch 1 and batch 8 on the
 * backend in use, kernel time by kernel name and by input shape. Writes bench/results/profile-forward-<backend>.json.
 *
 *   tsx bench/parts/profile.ts [--backend wasm]
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { initBackend, type BackendName } from '../../src/model/backend/index.ts';
import { disposeOutput, forwardCascade } from '../../src/model/cascade.ts';
import { benchModel, writeResult } from './common.ts';
import { topKernels } from './profile-util.ts';

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'wasm' } } });
const backend = await initBackend(values.backend as BackendName);
const { cascade, source } = await benchModel('default');
const out: Record<string, unknown> = { backend: backend.detail, model: source };
for (const b of [1, 8]) {
  const x = tf.randomUniform([b, 128, 128, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
  const run = async () => {
    const o = forwardCascade(cascade, x, { training: false });
    await o.heatmaps[o.heatmaps.length - 1].data();
    disposeOutput(o);
  };
  for (let i = 0; i < 3; i++) await run();
  const prof = await tf.profile(run);
  out[`batch${b}`] = topKernels(prof, backend.name);
  x.dispose();
}
writeResult(`profile-forward-${backend.name}`, out);
process.exit(0);
