/**
 * Trial: test-time augmentation over the rough box. The shipped read-out on the reader's box and on K jittered copies
 * of it (centre moved by up to `shift` × the side, sides scaled by up to ±`scale` in log, aspect kept; seeded by the
 * box), the K + 1 marks averaged endpoint by endpoint, each axis then given the mean of their lengths. Scored like the read-out picks (synthetic first, then dev).
 *
 *   npx tsx scripts/try-box-jitter.ts [--data tmp/synth-eval] [--variants K:shift:scale,...]  (default 6:0.1:0.1)
 */
import { parseArgs } from 'node:util';
import { mean } from '../src/eval/metrics.ts';
import type { Method } from '../src/eval/baselines/index.ts';
import { boxHeight, boxWidth, clipBox } from '../src/geometry/box.ts';
import { createRng, hash32 } from '../src/geometry/random.ts';
import { axisLengthsPx, blendRecist, scaleAxes } from '../src/geometry/recist.ts';
import type { Box } from '../src/geometry/types.ts';
import { initBackend } from '../src/model/backend/index.ts';
import { loadCheckpoint } from '../src/model/checkpoint.ts';
import { cropInput, proposeFromCrops } from '../src/model/measurer.ts';
import { errorsOverPickProtocols } from './readout-errors.ts';

const { values } = parseArgs({ options: {
  data: { type: 'string', default: 'tmp/synth-eval' }, model: { type: 'string', default: 'models/default' },
  variants: { type: 'string', default: '6:0.1:0.1' }, 'classical-once': { type: 'boolean', default: false },
} });
await initBackend('wasm');
const { cascade, card } = await loadCheckpoint(values.model!);
function jittered(box: Box, w: number, h: number, K: number, shift: number, scale: number): Box[] {
  const rng = createRng(hash32(`${box.x1},${box.y1},${box.x2},${box.y2}`));
  return Array.from({ length: K }, () => {
    const bw = boxWidth(box), bh = boxHeight(box), f = Math.exp(rng.uniform(-scale, scale));
    const cx = (box.x1 + box.x2) / 2 + rng.uniform(-shift, shift) * bw, cy = (box.y1 + box.y2) / 2 + rng.uniform(-shift, shift) * bh;
    return clipBox({ x1: cx - (f * bw) / 2, y1: cy - (f * bh) / 2, x2: cx + (f * bw) / 2, y2: cy + (f * bh) / 2 }, w, h);
  });
}

const method = (name: string, v: readonly [number, number, number] | null, classicalOnce = false): Method => ({
  name, kind: 'model',
  predict: async (slice, box) => {
    const boxes = v ? [box, ...jittered(box, slice.width, slice.height, ...v)] : [box];
    const first = cropInput(slice, box, cascade.config);
    // classicalOnce: the classical segment of the reader's box stands for every copy (one segmentation, not k + 1).
    const crops = boxes.map((b, i) => (i === 0 ? first : classicalOnce ? { ...cropInput(slice, b), classical: first.classical } : cropInput(slice, b, cascade.config)));
    const props = await proposeFromCrops(cascade, crops, card.version, 'trial');
    const marks = props.map((p) => p.recist);
    const avg = marks.slice(1).reduce((a, r, i) => blendRecist(a, r, 1 / (i + 2)), marks[0]);
    // Averaging turned segments shortens them: the axes keep the mean of the proposals' lengths.
    const lens = marks.map(axisLengthsPx), now = axisLengthsPx(avg);
    return { recist: scaleAxes(avg, mean(lens.map((l) => l.long)) / now.long, mean(lens.map((l) => l.short)) / now.short) };
  },
});
const variants = values.variants!.split(',').map((t) => t.split(':').map(Number) as [number, number, number]);
const methods = [
  method('reader\'s box alone', null),
  ...variants.map((v) => method(`box jitter K=${v[0]} shift ${v[1]} scale ${v[2]}`, v)),
  ...(values['classical-once'] ? variants.map((v) => method(`box jitter K=${v[0]} shift ${v[1]} scale ${v[2]}, classical once`, v, true)) : []),
];
const scores = [...await errorsOverPickProtocols(values.data!, methods)].map(([name, per]) => ({ name, score: mean(per.flatMap((e) => [e.longLoc, e.shortLoc, e.longLen, e.shortLen])) }));
for (const s of scores) console.log(`score ${s.name}: ${s.score.toFixed(3)}`);
process.exit(0);
