/**
 * Fine-tune wall time for 32 corrections (bench/parts/finetune-timing.ts), written to results/finetune-<backend>.json.
 *
 *   tsx bench/parts/finetune.ts [--n 32] [--steps 40] [--backend wasm]
 */
import { parseArgs } from 'node:util';
import { initBackend, type BackendName } from '../../src/model/backend/index.ts';
import { timeFineTune } from './finetune-timing.ts';
import { writeResult } from './common.ts';

const { values } = parseArgs({ options: { n: { type: 'string', default: '32' }, steps: { type: 'string', default: '40' }, backend: { type: 'string', default: 'wasm' } } });
const backend = await initBackend(values.backend as BackendName);
console.log(`backend: ${backend.detail}`);
const r = await timeFineTune({ n: Number(values.n), steps: Number(values.steps), backend: backend.name });
console.log(`fine-tune ${values.n} corrections: ${r.totalS} s (${r.steps} steps)`);
// A read-out-only job (serve --finetune-steps 0): the classical weight re-picked, no training step.
const readoutOnly = await timeFineTune({ n: Number(values.n), steps: 0, backend: backend.name });
console.log(`read-out fit alone, ${values.n} corrections: ${readoutOnly.totalS} s`);
// The same job without the read-out fit (serve --no-finetune-readout), in the same run: what the fit costs.
const networkOnly = await timeFineTune({ n: Number(values.n), steps: Number(values.steps), backend: backend.name, fitReadout: false });
console.log(`without the read-out fit: ${networkOnly.totalS} s`);
writeResult(`finetune-${backend.name}`, {
  backend: backend.detail, ...r,
  readoutOnly: { totalS: readoutOnly.totalS, readoutFit: readoutOnly.readoutFit },
  withoutReadoutFit: { totalS: networkOnly.totalS, trainS: networkOnly.trainS },
});
process.exit(0);
