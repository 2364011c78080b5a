/**
 * Trial: test-time augmentation of the crop (the 8 flips/rotations of the square, exact pixel permutations) in the
 * shipped read-out. Variants, all scored like the read-out picks (synthetic lesions first, then dev):
 *   shipped            the reader's box + 6 jittered copies (the card's boxJitter), marks averaged;
 *   jitter+dihedral    the same 7 crops, copy i turned by the i-th non-identity transform (same cost);
 *   box×8 marks        the reader's box under all 8 transforms, marks averaged (8 crops);
 *   box×8 mask         the reader's box under all 8 transforms, pseudo-masks averaged, then one read-out;
 *   jitter×8 mask      7 boxes × 8 transforms, masks averaged per box, the 7 marks averaged (56 crops: an upper bound).
 *
 *   npx tsx scripts/try-tta-readout.ts [--data tmp/synth-eval]
 */
import { parseArgs } from 'node:util';
import { mean } from '../src/eval/metrics.ts';
import type { Method } from '../src/eval/baselines/index.ts';
import { fromCrop } from '../src/geometry/crop.ts';
import { jitterBoxes } from '../src/geometry/box.ts';
import { averageRecists, mapRecist, normalizeRecist } from '../src/geometry/recist.ts';
import type { Box, Recist } from '../src/geometry/types.ts';
import type { CtSlice } from '../src/data/types.ts';
import { initBackend } from '../src/model/backend/index.ts';
import { loadCheckpoint } from '../src/model/checkpoint.ts';
import { decodeProposal, finishReadout } from '../src/model/decode.ts';
import { TTA_TRANSFORMS, transformCrop, type TtaTransform } from '../src/model/finetune-tta.ts';
import { cropInput, decodeBatch, type Crop } from '../src/model/measurer.ts';
import { errorsOverPickProtocols } from './readout-errors.ts';

/** The 8 symmetries of the square: the library's 5 (src/model/finetune-tta.ts) and the 3 it leaves out, in the order
 * the trial of 2026-11-27 used (the jitter+dihedral variant turns copy i by the i-th). */
const [identity, hflip, vflip, rot90, rot270] = TTA_TRANSFORMS;
const rot180: TtaTransform = { name: 'rot180', forward: (p, S) => ({ x: S - 1 - p.x, y: S - 1 - p.y }), inverse: (p, S) => ({ x: S - 1 - p.x, y: S - 1 - p.y }) };
const transpose: TtaTransform = { name: 'transpose', forward: (p) => ({ x: p.y, y: p.x }), inverse: (p) => ({ x: p.y, y: p.x }) };
const antitranspose: TtaTransform = { name: 'antitranspose', forward: (p, S) => ({ x: S - 1 - p.y, y: S - 1 - p.x }), inverse: (p, S) => ({ x: S - 1 - p.y, y: S - 1 - p.x }) };
const D8: readonly TtaTransform[] = [identity, rot90, hflip, transpose, rot180, vflip, rot270, antitranspose];
/** A transform's inverse as a transform of its own (to map a transformed crop's map back). */
const inverseOf = (t: TtaTransform): TtaTransform => ({ name: `${t.name}⁻¹`, forward: t.inverse, inverse: t.forward });

const { values } = parseArgs({ options: { data: { type: 'string', default: 'tmp/synth-eval' }, model: { type: 'string', default: 'models/default' } } });
await initBackend('wasm');
const { cascade } = await loadCheckpoint(values.model!);
const cfg = cascade.config;
const S = cfg.inputSize;

/** Each (crop, transform) pair decoded; marks mapped back and finished like the shipped read-out. */
async function marksOf(pairs: readonly { crop: Crop; t: number }[]): Promise<Recist[]> {
  const batch = new Float32Array(pairs.length * S * S);
  pairs.forEach(({ crop, t }, i) => batch.set(transformCrop(crop.input, S, D8[t]), i * S * S));
  const samples = await decodeBatch(cascade, batch, pairs.map((p) => p.crop.frame));
  return pairs.map(({ crop, t }, i) => {
    const d = samples[i].decoded;
    const back = normalizeRecist(mapRecist(d.recistCrop, (p) => fromCrop(crop.frame, D8[t].inverse(p, S))));
    return finishReadout(d.readout, back, crop.box, crop.classical, cfg).recist;
  });
}

/** One crop under all 8 transforms, its pseudo-masks mapped back and averaged, read out once. */
async function maskAveraged(crop: Crop): Promise<Recist> {
  const batch = new Float32Array(D8.length * S * S);
  D8.forEach((t, i) => batch.set(transformCrop(crop.input, S, t), i * S * S));
  const samples = await decodeBatch(cascade, batch, D8.map(() => crop.frame));
  const m = samples[0].mask!.size;
  const avg = new Float32Array(m * m);
  samples.forEach((s, i) => {
    const back = transformCrop(Float32Array.from(s.mask!.data), m, inverseOf(D8[i])); // the map in the untransformed frame
    for (let j = 0; j < avg.length; j++) avg[j] += back[j] / D8.length;
  });
  const d = decodeProposal(samples[0].heatmaps, samples[0].theta, crop.frame, { data: avg, size: m });
  if (!d) return (await marksOf([{ crop, t: 0 }]))[0];
  return finishReadout(d.readout, d.recist, crop.box, crop.classical, cfg).recist;
}

const boxesOf = (slice: CtSlice, box: Box): Box[] => [box, ...jitterBoxes(box, cfg.boxJitter!, slice.width, slice.height)];
const method = (name: string, predict: (slice: CtSlice, box: Box) => Promise<Recist>): Method => ({
  name, kind: 'model', predict: async (slice, box) => ({ recist: await predict(slice, box) }),
});
const methods = [
  method('shipped', async (sl, b) => averageRecists(await marksOf(boxesOf(sl, b).map((bb) => ({ crop: cropInput(sl, bb, cfg), t: 0 }))))),
  method('jitter+dihedral', async (sl, b) => averageRecists(await marksOf(boxesOf(sl, b).map((bb, i) => ({ crop: cropInput(sl, bb, cfg), t: i }))))),
  method('box×8 marks', async (sl, b) => { const c = cropInput(sl, b, cfg); return averageRecists(await marksOf(D8.map((_, t) => ({ crop: c, t })))); }),
  method('box×8 mask', async (sl, b) => maskAveraged(cropInput(sl, b, cfg))),
  method('jitter×8 mask', async (sl, b) => averageRecists(await Promise.all(boxesOf(sl, b).map((bb) => maskAveraged(cropInput(sl, bb, cfg)))))),
];
const scores = [...await errorsOverPickProtocols(values.data!, methods)].map(([name, per]) => ({ name, score: mean(per.flatMap((e) => [e.longLoc, e.shortLoc, e.longLen, e.shortLen])), longLoc: mean(per.map((e) => e.longLoc)) }));
for (const s of scores) console.log(`score ${s.name}: ${s.score.toFixed(3)} (long-axis location ${s.longLoc.toFixed(3)})`);
process.exit(0);
