/**
 * How much could the learners that need no training — a site calibration, a re-picked read-out weight — gain on a
 * labeled folder? The in-sample ceiling: the shipped model's proposals for every lesion (rough boxes per the paper's
 * protocol, seeds 1–3, as al-sim's test part), then each learner fitted on all of them and scored on the same
 * proposals — so each row is an upper bound of what that learner, taught some of those lesions, could do for the others:
 *   - the calibration learner (`fitReaderCalibration`, shrunk as the server and al-sim apply it) fitted on all lesions;
 *   - its unshrunk fit (`raw`);
 *   - the best global similarity for the long axis on a grid (long-axis scale 0.8–1.25 by 0.025, rotation −15…15° by
 *     1°), picked on the score itself;
 *   - the read-out's classical weight (src/model/readout-fit.ts) at its best on CLASSICAL_WEIGHT_GRID, picked on the score.
 * A gain that is small even here cannot be shown by al-sim on a test part of the same lesions.
 *
 *   npx tsx scripts/learner-ceiling.ts --data ../shared/data/deeplesion-dev [--reader site] [--model models/default]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { applyCalibration, fitReaderCalibration } from '../src/active/reader-bias.ts';
import { openDeepLesionFolder } from '../src/data/deeplesion.ts';
import { marksOfReader } from '../src/data/synth/readers.ts';
import { boxCross, roughBoxFor } from '../src/geometry/box.ts';
import { axisLengthsMm, segmentLocationDistance } from '../src/geometry/recist.ts';
import type { Recist } from '../src/geometry/types.ts';
import { mean } from '../src/eval/metrics.ts';
import { initBackend } from '../src/model/backend/index.ts';
import { disposeCascade } from '../src/model/cascade.ts';
import { loadCheckpoint } from '../src/model/checkpoint.ts';
import { proposeForBoxes } from '../src/model/measurer.ts';
import { CLASSICAL_WEIGHT_GRID, withClassicalWeight } from '../src/model/readout-fit.ts';

const { values } = parseArgs({ options: { data: { type: 'string' }, model: { type: 'string', default: 'models/default' }, reader: { type: 'string' } } });
if (!values.data) throw new Error('--data <DeepLesion-layout folder> is required');
const backend = await initBackend('wasm');
const folder = openDeepLesionFolder(values.data);
const records = folder.records.filter((r) => folder.hasImage(r));
const reference = values.reader ? marksOfReader(join(values.data, 'readers.csv'), values.reader) : null;
const { cascade, card } = await loadCheckpoint(values.model!);

interface Item { readonly truth: Recist; readonly proposal: Recist; readonly cross: Recist; readonly spacing: { x: number; y: number }; readonly byWeight: ReadonlyMap<number, Recist> }
const items: Item[] = [];
const weights = cascade.config.classicalWeight === null ? [] : CLASSICAL_WEIGHT_GRID;
for (const seed of [1, 2, 3]) {
  for (let i = 0; i < records.length; i += 16) {
    const part = records.slice(i, i + 16).map((r) => {
      const id = folder.lesionId(r), slice = folder.slice(r);
      return { r, id, slice, box: roughBoxFor(r.recist, id, seed, slice.width, slice.height) };
    });
    const props = await proposeForBoxes(cascade, part, card.version, 'learner-ceiling');
    const byWeight = new Map<number, Recist[]>();
    for (const w of weights) {
      byWeight.set(w, w === cascade.config.classicalWeight ? props.map((p) => p.recist) : (await proposeForBoxes(withClassicalWeight(cascade, w), part, card.version, 'learner-ceiling')).map((p) => p.recist));
    }
    part.forEach((p, j) => items.push({
      truth: reference?.get(p.id) ?? p.r.recist, proposal: props[j].recist, cross: boxCross(p.box), spacing: p.r.spacing,
      byWeight: new Map(weights.map((w) => [w, byWeight.get(w)![j]])),
    }));
  }
  process.stderr.write(`seed ${seed}: ${items.length} proposals\n`);
}
disposeCascade(cascade);

const score = (adjust: (r: Recist) => Recist, pick: (it: Item) => Recist = (it) => it.proposal) => {
  const loc: number[] = [], longMm: number[] = [], shortMm: number[] = [];
  for (const it of items) {
    const p = adjust(pick(it));
    loc.push(segmentLocationDistance(p.long, it.truth.long));
    const a = axisLengthsMm(p, it.spacing), b = axisLengthsMm(it.truth, it.spacing);
    longMm.push(Math.abs(a.long - b.long));
    shortMm.push(Math.abs(a.short - b.short));
  }
  return { loc: mean(loc), longMm: mean(longMm), shortMm: mean(shortMm) };
};

const pairs = items.map((it) => ({ proposal: it.proposal, final: it.truth }));
const fitted = fitReaderCalibration('site', pairs);
let best = { longScale: 1, rotationDeg: 0, loc: Infinity };
for (let s = 0.8; s <= 1.2501; s += 0.025) {
  for (let deg = -15; deg <= 15; deg++) {
    const loc = score((r) => applyCalibration(r, { longScale: s, shortScale: 1, rotationDeg: deg })).loc;
    if (loc < best.loc) best = { longScale: s, rotationDeg: deg, loc };
  }
}
const start = score((r) => r);
const byWeight = weights.map((w) => ({ w, s: score((r) => r, (it) => it.byWeight.get(w)!) }));
const bestWeight = byWeight.length ? byWeight.reduce((a, b) => (b.s.loc < a.s.loc ? b : a)) : null;
const rows: [string, string, ReturnType<typeof score>][] = [
  ['start (nothing fitted)', '—', start],
  ['calibration learner, fitted on all (shrunk)', `long ×${fitted.longScale.toFixed(3)}, short ×${fitted.shortScale.toFixed(3)}, ${fitted.rotationDeg.toFixed(1)}°`, score((r) => applyCalibration(r, fitted))],
  ['its unshrunk fit', `long ×${fitted.raw.longScale.toFixed(3)}, short ×${fitted.raw.shortScale.toFixed(3)}, ${fitted.raw.rotationDeg.toFixed(1)}°`, score((r) => applyCalibration(r, fitted.raw))],
  ['best long-axis scale × rotation on the grid', `long ×${best.longScale.toFixed(3)}, ${best.rotationDeg}°`, score((r) => applyCalibration(r, { longScale: best.longScale, shortScale: 1, rotationDeg: best.rotationDeg }))],
  ...(bestWeight ? [['best read-out classical weight on the grid', `${bestWeight.w} (shipped ${cascade.config.classicalWeight}; ${byWeight.map((b) => `${b.w}: ${b.s.loc.toFixed(2)}`).join(', ')} px)`, bestWeight.s] as [string, string, ReturnType<typeof score>]] : []),
  ['box-cross baseline', '—', score((r) => r, (it) => it.cross)],
];
console.log(`${values.data}${values.reader ? `, reader ${values.reader}` : ''}: ${records.length} lesions × rough boxes of seeds 1–3 = ${items.length} proposals; model ${card.version}; backend ${backend.name}\n`);
console.log('| proposals | fitted | long-axis location (px) | vs start (px) | long-axis length error (mm) | short-axis length error (mm) |');
console.log('|---|---|---|---|---|---|');
for (const [name, cal, s] of rows) console.log(`| ${name} | ${cal} | ${s.loc.toFixed(2)} | ${(s.loc - start.loc >= 0 ? '+' : '') + (s.loc - start.loc).toFixed(2)} | ${s.longMm.toFixed(2)} | ${s.shortMm.toFixed(2)} |`);
