/**
 * How BOX_ORIENTATION_MIN_ASPECT (src/geometry/mask-readout.ts) was picked, on the SYNTHETIC evaluation folder only,
 * under the paper's rough boxes and square boxes of the same area (seeds 0–2): the box-orientation step applied only to
 * boxes whose longer side is at least `aspect` × the shorter (1 = always, the read-out before; 99 = never), the rest of
 * the shipped read-out as it is. Score = mean of the location and length errors, both axes, both protocols.
 *
 * `--bases mask,shn` also runs the trial of 2026-11-27 (docs/accuracy.md "The SHN"): the same read-out steps on the marks of the
 * SHN given the pseudo-mask measurement's θ instead of on the pseudo-mask's own.
 *
 *   npx tsx scripts/pick-box-aspect.ts [--data tmp/synth-eval] [--model models/default] [--aspects 1,1.1,1.2,1.3,99] [--bases mask]
 */
import { parseArgs } from 'node:util';
import { mean } from '../src/eval/metrics.ts';
import type { Method } from '../src/eval/baselines/index.ts';
import { fromCrop } from '../src/geometry/crop.ts';
import { orientByBox } from '../src/geometry/mask-readout.ts';
import { mapRecist, normalizeRecist } from '../src/geometry/recist.ts';
import { thetaFromRecist } from '../src/geometry/theta.ts';
import { initBackend } from '../src/model/backend/index.ts';
import { loadCheckpoint } from '../src/model/checkpoint.ts';
import { finishReadout } from '../src/model/decode.ts';
import { cropInput, decodeBatch, shnUnderTheta } from '../src/model/measurer.ts';
import { errorsOverPickProtocols } from './readout-errors.ts';

const { values } = parseArgs({ options: {
  data: { type: 'string', default: 'tmp/synth-eval' }, model: { type: 'string', default: 'models/default' },
  aspects: { type: 'string', default: '1,1.1,1.2,1.3,99' }, bases: { type: 'string', default: 'mask' },
} });
await initBackend('wasm');
const { cascade } = await loadCheckpoint(values.model!, { readout: 'mask+classical' });
const config = cascade.config;

const method = (base: string, aspect: number): Method => ({
  name: `${base}, aspect ${aspect}`, kind: 'model',
  predict: async (slice, box) => {
    const c = cropInput(slice, box, config);
    const [s] = await decodeBatch(cascade, c.input, [c.frame]);
    const d = s.decoded;
    const marks = base === 'shn' && d.readout === 'mask'
      ? normalizeRecist(mapRecist((await shnUnderTheta(cascade, c.input, thetaFromRecist(d.recistCrop, c.frame.size))).recist, (p) => fromCrop(c.frame, p)))
      : d.recist;
    // The box-orientation step here with this aspect, then the read-out's other steps (boxOrientationRatio null skips it there).
    const oriented = d.readout === 'mask' && config.boxOrientationRatio !== null ? orientByBox(marks, box, config.boxOrientationRatio, aspect) : marks;
    return { recist: finishReadout(d.readout, oriented, c.box, c.classical, { ...config, boxOrientationRatio: null }).recist };
  },
});
const methods = values.bases!.split(',').flatMap((b) => values.aspects!.split(',').map((a) => method(b, Number(a))));
const scores = [...await errorsOverPickProtocols(values.data!, methods)].map(([name, per]) => ({ name, score: mean(per.flatMap((e) => [e.longLoc, e.shortLoc, e.longLen, e.shortLen])) }));
for (const s of scores) console.log(`score ${s.name}: ${s.score.toFixed(3)}`);
const best = scores.reduce((a, b) => (b.score < a.score ? b : a));
console.log(`best: ${best.name} (${values.data})`);
process.exit(0);
