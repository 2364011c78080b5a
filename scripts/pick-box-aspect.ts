/**
 * How BOX_ORIENTATION_MIN_ASPECT (src/geometry/mask-readout.ts) was picked, on the SYNTHETIC evaluation folder only,
 * under the paper's rough boxes and square boxes of the same area (seeds 0–2): the box-orientation step applied only to
 * boxes whose longer side is at least `aspect` × the shorter (1 = always, the read-out before; 99 = never), the rest of
 * the shipped read-out as it is. Score = mean of the location and length errors, both axes, both protocols.
 *
 * `--bases mask,shn` also runs the trial of 2026-11-27 (README "The SHN"): the same read-out steps on the marks of the
 * SHN given the pseudo-mask measurement's θ instead of on the pseudo-mask's own.
 *
 *   npx tsx scripts/pick-box-aspect.ts [--data tmp/synth-eval] [--model models/default] [--aspects 1,1.1,1.2,1.3,99] [--bases mask]
 */
import { parseArgs } from 'node:util';
import { findSummary, evaluateFolder, type Method } from '../src/eval/run.ts';
import type { BoxProtocol } from '../src/geometry/box.ts';
import { fromCrop } from '../src/geometry/crop.ts';
import { orientByBox } from '../src/geometry/mask-readout.ts';
import { mapRecist, normalizeRecist } from '../src/geometry/recist.ts';
import { thetaFromRecist } from '../src/geometry/theta.ts';
import { initBackend } from '../src/model/backend/index.ts';
import { loadCheckpoint } from '../src/model/checkpoint.ts';
import { finishReadout } from '../src/model/decode.ts';
import { cropInput, decodeBatch, shnUnderTheta } from '../src/model/measurer.ts';

const { values } = parseArgs({ options: {
  data: { type: 'string', default: 'tmp/synth-eval' }, model: { type: 'string', default: 'models/default' },
  aspects: { type: 'string', default: '1,1.1,1.2,1.3,99' }, bases: { type: 'string', default: 'mask' },
} });
await initBackend('wasm');
const { cascade } = await loadCheckpoint(values.model!, { readout: 'mask+classical' });
const config = cascade.config;
const protocols: Record<string, BoxProtocol> = { paper: { areaRatio: [2, 2.5], shape: 'extent' }, square: { areaRatio: [2, 2.5], shape: 'square' } };

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
const errors = new Map<string, number[]>();
for (const [name, protocol] of Object.entries(protocols)) {
  const r = await evaluateFolder({ dir: values.data!, methods, seeds: [0, 1, 2], readersCsv: null, boxProtocol: protocol });
  for (const m of methods) {
    const s = findSummary(r, m.name)!.axes;
    const e = [s.long.locPx.mean, s.short.locPx.mean, s.long.lenPx.mean, s.short.lenPx.mean];
    errors.set(m.name, [...(errors.get(m.name) ?? []), ...e]);
    console.log(`${name} boxes, ${m.name}: location long ${e[0].toFixed(2)} / short ${e[1].toFixed(2)} px, length long ${e[2].toFixed(2)} / short ${e[3].toFixed(2)} px`);
  }
}
const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
for (const [k, v] of errors) console.log(`score ${k}: ${mean(v).toFixed(3)}`);
const best = [...errors].reduce((a, b) => (mean(b[1]) < mean(a[1]) ? b : a));
console.log(`best: ${best[0]} (${values.data})`);
process.exit(0);
