/**
 * How the default read-out's constants (src/model/config.ts) were picked, on the SYNTHETIC evaluation folder only
 * (never the dev lesions), under the paper's rough boxes and square boxes of the same area (seeds 0–2), with the model's
 * `mask+classical` read-out and every other constant at its default:
 *   --param classicalWeight (CLASSICAL_WEIGHT): candidates 0–1, score = mean location error (both axes, both protocols);
 *   --param lengthScale (LENGTH_SCALE): candidates 0.95–1.15, score = mean of the location and length errors;
 *   --param shortLengthScale (SHORT_LENGTH_SCALE): candidates 0.975–1.05, same score (the long axis's terms do not move);
 *   --param boxLengthWeight.long | boxLengthWeight.short (BOX_LENGTH_WEIGHT): candidates 0–0.375 / 0–1, same score,
 *     the other axis's weight at 0 (each moves only its own axis's terms).
 * Prints each candidate's errors and the best.
 *
 *   npx tsx scripts/pick-readout-constant.ts --param classicalWeight|lengthScale|shortLengthScale|boxLengthWeight.long|boxLengthWeight.short [--data tmp/synth-eval] [--model models/default]
 */
import { parseArgs } from 'node:util';
import { initBackend } from '../src/model/backend/index.ts';
import { loadCheckpoint } from '../src/model/checkpoint.ts';
import { measurerFromCascade } from '../src/model/measurer.ts';
import { measurerMethod } from '../src/eval/baselines/index.ts';
import { mean } from '../src/eval/metrics.ts';
import type { ModelConfig } from '../src/model/config.ts';
import { errorsOverPickProtocols } from './readout-errors.ts';

type Param = { candidates: readonly number[]; withLength: boolean; apply?: (c: ModelConfig, v: number) => ModelConfig };
const PARAMS: Record<string, Param> = {
  classicalWeight: { candidates: [0, 0.25, 0.5, 0.75, 1], withLength: false },
  lengthScale: { candidates: [0.95, 1, 1.05, 1.1, 1.15], withLength: true },
  shortLengthScale: { candidates: [0.975, 1, 1.025, 1.05], withLength: true },
  'boxLengthWeight.long': { candidates: [0, 0.125, 0.25, 0.375], withLength: true, apply: (c, v) => ({ ...c, boxLengthWeight: { long: v, short: 0 } }) },
  'boxLengthWeight.short': { candidates: [0, 0.25, 0.5, 0.625, 0.75, 0.875, 1], withLength: true, apply: (c, v) => ({ ...c, boxLengthWeight: { long: 0, short: v } }) },
};
const { values } = parseArgs({ options: { param: { type: 'string' }, data: { type: 'string', default: 'tmp/synth-eval' }, model: { type: 'string', default: 'models/default' } } });
const param = values.param!;
if (!Object.hasOwn(PARAMS, param)) throw new Error(`--param ${values.param}: expected one of ${Object.keys(PARAMS).join(', ')}`);
const backend = await initBackend('wasm');
const { cascade, card } = await loadCheckpoint(values.model!, { readout: 'mask+classical' });
const p = PARAMS[param];
const methods = p.candidates.map((value) => {
  const config = p.apply ? p.apply(cascade.config, value) : { ...cascade.config, [param]: value };
  return measurerMethod(measurerFromCascade({ ...cascade, config }, card, backend.detail), `${param} ${value}`);
});
const errors = await errorsOverPickProtocols(values.data!, methods);
const rows = p.candidates.map((value) => {
  const errs = errors.get(`${param} ${value}`)!.flatMap((e) => [e.longLoc, e.shortLoc, ...(p.withLength ? [e.longLen, e.shortLen] : [])]);
  return { value, score: mean(errs) };
});
const best = rows.reduce((a, b) => (b.score < a.score ? b : a));
console.log(`best ${param}: ${best.value} (mean ${PARAMS[param].withLength ? 'location and length' : 'location'} error ${best.score.toFixed(3)} px over both axes and both protocols; ${values.data})`);
process.exit(0);
