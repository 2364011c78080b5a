/**
 * Has the SHN learned? Its heatmap read-out on a labeled DeepLesion-layout folder under three θ: the STN's own (the
 * paper's cascade), the θ of the pseudo-mask's measurement (centre, long-axis angle and length), and the TRUE θ (from
 * the reference marks: the long-axis endpoints then sit at two fixed canonical positions, so even a constant heatmap
 * pair would find them). Rough boxes per the paper's protocol (seeds 0–2); errors vs the folder's marks (px), with the
 * mean peak of the last stack's heatmaps (targets peak at 1).
 *
 *   npx tsx scripts/shn-under-theta.ts --data tmp/synth-eval [--model models/default]
 */
import { parseArgs } from 'node:util';
import { openDeepLesionFolder } from '../src/data/deeplesion.ts';
import type { Method } from '../src/eval/baselines/index.ts';
import { findSummary, evaluateFolder } from '../src/eval/run.ts';
import { roughBoxFor } from '../src/geometry/box.ts';
import { fromCrop, toCrop } from '../src/geometry/crop.ts';
import { mapRecist, normalizeRecist } from '../src/geometry/recist.ts';
import { thetaFromRecist } from '../src/geometry/theta.ts';
import type { Recist, Theta } from '../src/geometry/types.ts';
import { initBackend } from '../src/model/backend/index.ts';
import { loadCheckpoint } from '../src/model/checkpoint.ts';
import { cropInput, decodeBatch, shnUnderTheta } from '../src/model/measurer.ts';

const { values } = parseArgs({ options: { data: { type: 'string' }, model: { type: 'string', default: 'models/default' } } });
if (!values.data) throw new Error('--data <DeepLesion-layout folder> is required');
await initBackend('wasm');
const { cascade, card } = await loadCheckpoint(values.model!, { readout: 'mask' });
const folder = openDeepLesionFolder(values.data);
const SEEDS = [0, 1, 2];
const boxKey = (b: { x1: number; y1: number; x2: number; y2: number }) => [b.x1, b.y1, b.x2, b.y2].map((v) => v.toFixed(4)).join(',');
const truthByBox = new Map<string, Recist>();
for (const r of folder.records) for (const seed of SEEDS) truthByBox.set(boxKey(roughBoxFor(r.recist, folder.lesionId(r), seed, r.imageSize[0], r.imageSize[1])), r.recist);

type Source = 'STN θ' | 'pseudo-mask θ' | 'true θ';
const peaks = new Map<Source, number[]>();
/** The SHN's marks (crop pixels) on the crop normalized by θ, and its heatmaps' mean peak. */
async function shnUnder(input: Float32Array, th: Theta): Promise<{ recist: Recist; peak: number }> {
  const { recist, heatmaps: hm } = await shnUnderTheta(cascade, input, th);
  const plane = hm.width * hm.height;
  const peak = [0, 1, 2, 3].reduce((a, k) => a + Math.max(...hm.data.subarray(k * plane, (k + 1) * plane)), 0) / 4;
  return { recist, peak };
}
const method = (source: Source): Method => ({
  name: source, kind: 'model',
  predict: async (slice, box) => {
    const c = cropInput(slice, box, { classicalWeight: null });
    const [s] = await decodeBatch(cascade, c.input, [c.frame]);
    const th = source === 'STN θ' ? s.theta
      : source === 'pseudo-mask θ' ? thetaFromRecist(s.decoded.recistCrop, c.frame.size)
      : thetaFromRecist(mapRecist(truthByBox.get(boxKey(box))!, (p) => toCrop(c.frame, p)), c.frame.size);
    const { recist, peak } = await shnUnder(c.input, th);
    peaks.set(source, [...(peaks.get(source) ?? []), peak]);
    return { recist: normalizeRecist(mapRecist(recist, (p) => fromCrop(c.frame, p))) };
  },
});
const sources: Source[] = ['STN θ', 'pseudo-mask θ', 'true θ'];
const r = await evaluateFolder({ dir: values.data, methods: sources.map(method), seeds: SEEDS, readersCsv: null });
console.log(`${values.data}: ${r.lesions.length} lesions × seeds ${SEEDS.join(', ')}, model ${card.version}, SHN heatmap read-out\n`);
console.log('| θ the SHN sees | long loc. px | long len. px | short loc. px | short len. px | long-axis angle ° | long-axis centre px | mean heatmap peak |');
console.log('|---|---|---|---|---|---|---|---|');
const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
for (const source of sources) {
  const s = findSummary(r, source)!.axes;
  console.log(`| ${source} | ${s.long.locPx.mean.toFixed(2)} | ${s.long.lenPx.mean.toFixed(2)} | ${s.short.locPx.mean.toFixed(2)} | ${s.short.lenPx.mean.toFixed(2)} | ${s.long.angleDeg.mean.toFixed(1)} | ${s.long.centrePx.mean.toFixed(2)} | ${mean(peaks.get(source)!).toFixed(3)} |`);
}
process.exit(0);
