/**
 * Trial: test-time augmentation over the rough box. The read-out on the reader's box and on K jittered copies of it
 * (`jitterBoxes`: centre moved by up to `shift` × the side, sides scaled by up to ±`scale` in log, aspect kept; seeded
 * by the box), the K + 1 marks averaged (`averageRecists`). Scored like the read-out picks (synthetic first, then dev).
 * Each crop is read with proposeFromCrops, so the card's own boxJitter does not apply here.
 *
 *   npx tsx scripts/try-box-jitter.ts [--data tmp/synth-eval] [--variants K:shift:scale,...]  (default 6:0.1:0.1)
 */
import { parseArgs } from 'node:util';
import { mean } from '../src/eval/metrics.ts';
import type { Method } from '../src/eval/baselines/index.ts';
import { jitterBoxes } from '../src/geometry/box.ts';
import { averageRecists } from '../src/geometry/recist.ts';
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
const method = (name: string, v: readonly [number, number, number] | null, classicalOnce = false): Method => ({
  name, kind: 'model',
  predict: async (slice, box) => {
    const boxes = v ? [box, ...jitterBoxes(box, { k: v[0], shift: v[1], scale: v[2] }, slice.width, slice.height)] : [box];
    const first = cropInput(slice, box, cascade.config);
    // classicalOnce: the classical segment of the reader's box stands for every copy (one segmentation, not k + 1).
    const crops = boxes.map((b, i) => (i === 0 ? first : classicalOnce ? { ...cropInput(slice, b), classical: first.classical } : cropInput(slice, b, cascade.config)));
    const props = await proposeFromCrops(cascade, crops, card.version, 'trial');
    return { recist: averageRecists(props.map((p) => p.recist)) };
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
