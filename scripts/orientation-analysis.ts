/**
 * Where the shipped model's long-axis error comes from, on a labeled DeepLesion-layout folder (docs/accuracy.md "Where the error
 * comes from"), rough boxes per the paper's protocol, seeds 0–2:
 *   1. each component of the predicted long axis on its own (the other two set to the reference's): location error
 *      from the centre alone, the angle alone, the length alone;
 *   2. angle errors (°) of the proposal, of the rough box's longer side, of the STN's θ (α), of the pseudo-mask's
 *      second moments and of the classical segmentation, with how often that segmentation falls back to box-cross;
 *   3. with --shn-scan: can the SHN tell the orientation? Under the TRUE centre and scale, α is scanned over 12 angles
 *      and the α with the most confident heatmaps (lowest mean entropy / highest mean peak) is compared with the truth,
 *      on lesions with short/long < 0.8.
 *
 *   npx tsx scripts/orientation-analysis.ts --data ../shared/data/deeplesion-dev [--model models/default] [--shn-scan]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { openDeepLesionFolder } from '../src/data/deeplesion.ts';
import { roughBoxFor } from '../src/geometry/box.ts';
import { toCrop } from '../src/geometry/crop.ts';
import { decodeHeatmaps, heatmapEntropies } from '../src/geometry/heatmap.ts';
import { principalAxis } from '../src/geometry/measure-mask.ts';
import { axisAngleDiffDeg as angleDiff, axisErrorComponents, mapRecist, segmentAngle as angle, segmentLength } from '../src/geometry/recist.ts';
import { thetaFromRecist } from '../src/geometry/theta.ts';
import { initBackend } from '../src/model/backend/index.ts';
import { forwardCascade } from '../src/model/cascade.ts';
import { loadCheckpoint } from '../src/model/checkpoint.ts';
import { nhwcToMapStack } from '../src/model/decode.ts';
import { cropInput, measurerFromCascade } from '../src/model/measurer.ts';
import { classicalRecist } from '../src/segment/classical.ts';

const { values } = parseArgs({ options: { data: { type: 'string' }, model: { type: 'string', default: 'models/default' }, 'shn-scan': { type: 'boolean', default: false } } });
if (!values.data) throw new Error('--data <DeepLesion-layout folder> is required');
const backend = await initBackend('wasm');
const folder = openDeepLesionFolder(values.data);
const { cascade, card } = await loadCheckpoint(values.model!);
const measurer = measurerFromCascade(cascade, card, backend.name);

const acc = new Map<string, number[]>();
const add = (k: string, v: number) => acc.set(k, [...(acc.get(k) ?? []), v]);
let fallbacks = 0, n = 0;
for (const seed of [0, 1, 2]) {
  for (const r of folder.records) {
    const slice = folder.slice(r);
    const box = roughBoxFor(r.recist, folder.lesionId(r), seed, slice.width, slice.height);
    const p = await measurer.measure(slice, box);
    const cl = classicalRecist(slice, box);
    const t = r.recist.long, s = p.recist.long;
    const alone = axisErrorComponents(s, t);
    add('centre alone (px)', alone.centre);
    add('angle alone (px)', alone.angle);
    add('length alone (px)', alone.length);
    add('proposal (°)', angleDiff(angle(s), angle(t)));
    add("rough box's longer side (°)", angleDiff(box.x2 - box.x1 >= box.y2 - box.y1 ? 0 : Math.PI / 2, angle(t)));
    add("STN's θ α (°)", angleDiff(p.theta.alpha, angle(t)));
    if (p.mask) add('pseudo-mask second moments (°)', angleDiff(principalAxis(Uint8Array.from(p.mask.data, (v) => (v >= 0.5 ? 1 : 0)), p.mask.width, p.mask.height).angle, angle(t)));
    if (cl.source === 'segment') add('classical segment, where found (°)', angleDiff(angle(cl.recist.long), angle(t)));
    fallbacks += cl.source === 'fallback' ? 1 : 0;
    n++;
  }
}
const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const lines = [`${values.data}: ${folder.records.length} lesions × seeds 0–2, model ${card.version}`, '', '| quantity | mean | n |', '|---|---|---|'];
for (const [k, v] of acc) lines.push(`| ${k} | ${mean(v).toFixed(2)} | ${v.length} |`);
lines.push(`| classical segmentation falls back to box-cross | ${((100 * fallbacks) / n).toFixed(0)} % | ${n} |`);

if (values['shn-scan']) {
  const K = 12;
  const scan: Record<'entropy' | 'peak', number[]> = { entropy: [], peak: [] };
  for (const r of folder.records) {
    if (segmentLength(r.recist.short) / segmentLength(r.recist.long) >= 0.8) continue;
    const slice = folder.slice(r);
    const crop = cropInput(slice, roughBoxFor(r.recist, folder.lesionId(r), 0, slice.width, slice.height), { classicalWeight: null });
    const th = thetaFromRecist(mapRecist(r.recist, (q) => toCrop(crop.frame, q)), crop.frame.size);
    const batch = new Float32Array(K * crop.input.length);
    for (let k = 0; k < K; k++) batch.set(crop.input, k * crop.input.length);
    const hm = tf.tidy(() => {
      const thetas = tf.tensor2d(Array.from({ length: K }, (_, k) => [th.tx, th.ty, th.alpha + (k * Math.PI) / K, th.s]));
      const o = forwardCascade(cascade, tf.tensor4d(batch, [K, crop.frame.size, crop.frame.size, 1]), { training: false, theta: thetas, skipStn: true, folded: true });
      return o.heatmaps[o.heatmaps.length - 1];
    });
    const data = await hm.data();
    const S = hm.shape[1];
    hm.dispose();
    const scores = Array.from({ length: K }, (_, k) => {
      const maps = nhwcToMapStack(data.subarray(k * S * S * 4, (k + 1) * S * S * 4), S, 4);
      return { entropy: mean(heatmapEntropies(maps)), peak: mean(decodeHeatmaps(maps).peaks) };
    });
    const best = (better: (a: number, b: number) => boolean, key: 'entropy' | 'peak') => scores.reduce((b, s, k) => (better(s[key], scores[b][key]) ? k : b), 0);
    scan.entropy.push(angleDiff((best((a, b) => a < b, 'entropy') * Math.PI) / K, 0));
    scan.peak.push(angleDiff((best((a, b) => a > b, 'peak') * Math.PI) / K, 0));
  }
  lines.push('', `SHN orientation scan (true centre and scale, ${K} angles, lesions with short/long < 0.8; a uniform guess averages ${(180 / 4).toFixed(0)}° in expectation):`, '');
  lines.push('| pick α by | mean angle error (°) | n |', '|---|---|---|');
  for (const [k, v] of Object.entries(scan)) lines.push(`| ${k === 'entropy' ? 'lowest mean heatmap entropy' : 'highest mean heatmap peak'} | ${mean(v).toFixed(1)} | ${v.length} |`);
}
console.log(lines.join('\n'));
measurer.dispose();
