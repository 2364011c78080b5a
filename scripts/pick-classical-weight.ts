/**
 * How `CLASSICAL_WEIGHT` (src/model/config.ts) was picked: the `mask+classical` read-out of a model on the SYNTHETIC
 * evaluation folder (never the dev lesions) for weights 0–1, under the paper's rough boxes and square boxes of the same
 * area (seeds 0–2); prints the mean long/short-axis location errors and the weight with the lowest mean of the four.
 *
 *   npx tsx scripts/pick-classical-weight.ts [--data tmp/synth-eval] [--model models/default]
 */
import { parseArgs } from 'node:util';
import { findSummary, evaluateFolder } from '../src/eval/run.ts';
import { initBackend } from '../src/model/backend/index.ts';
import { loadCheckpoint } from '../src/model/checkpoint.ts';
import { measurerFromCascade } from '../src/model/measurer.ts';
import { measurerMethod } from '../src/eval/baselines/index.ts';
import type { BoxProtocol } from '../src/geometry/box.ts';

const { values } = parseArgs({ options: { data: { type: 'string', default: 'tmp/synth-eval' }, model: { type: 'string', default: 'models/default' } } });
const backend = await initBackend('wasm');
const { cascade, card } = await loadCheckpoint(values.model!, { readout: 'mask+classical' });
const protocols: Record<string, BoxProtocol> = { paper: { areaRatio: [2, 2.5], shape: 'extent' }, square: { areaRatio: [2, 2.5], shape: 'square' } };
const rows: { weight: number; mean: number }[] = [];
for (const weight of [0, 0.25, 0.5, 0.75, 1]) {
  const m = measurerFromCascade({ ...cascade, config: { ...cascade.config, classicalWeight: weight } }, card, backend.detail);
  const errs: number[] = [];
  for (const [name, protocol] of Object.entries(protocols)) {
    const r = await evaluateFolder({ dir: values.data!, methods: [measurerMethod(m, 'model')], seeds: [0, 1, 2], readersCsv: null, boxProtocol: protocol });
    const s = findSummary(r, 'model')!.axes;
    errs.push(s.long.locPx.mean, s.short.locPx.mean);
    console.log(`weight ${weight.toFixed(2)}, ${name} boxes: long-axis location ${s.long.locPx.mean.toFixed(2)} px, short ${s.short.locPx.mean.toFixed(2)} px`);
  }
  rows.push({ weight, mean: errs.reduce((a, b) => a + b, 0) / errs.length });
}
const best = rows.reduce((a, b) => (b.mean < a.mean ? b : a));
console.log(`best: ${best.weight} (mean location error ${best.mean.toFixed(2)} px over both axes and both protocols; ${values.data})`);
process.exit(0);
