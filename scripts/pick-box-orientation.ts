/**
 * How `BOX_ORIENTATION_RATIO` (src/model/config.ts) was picked: the mask read-out of a model on a SYNTHETIC
 * DeepLesion-layout folder (never the dev lesions), rough boxes per the paper protocol (seeds 0–2), for each candidate
 * short/long ratio from which round measurements take the rough box's orientation; prints the mean long- and
 * short-axis location errors and the best ratio.
 *
 *   npx tsx scripts/pick-box-orientation.ts [--data tmp/synth-eval] [--model models/default]
 */
import { parseArgs } from 'node:util';
import { openDeepLesionFolder } from '../src/data/deeplesion.ts';
import { roughBoxFor } from '../src/geometry/box.ts';
import { meanAxisErrors } from '../src/geometry/recist.ts';
import { initBackend } from '../src/model/backend/index.ts';
import { loadCheckpoint } from '../src/model/checkpoint.ts';
import { cropInput, proposeFromCrops } from '../src/model/measurer.ts';

const { values } = parseArgs({ options: { data: { type: 'string', default: 'tmp/synth-eval' }, model: { type: 'string', default: 'models/default' } } });
await initBackend('wasm');
const { cascade } = await loadCheckpoint(values.model!, { readout: 'mask' });
const folder = openDeepLesionFolder(values.data!);
const items = [0, 1, 2].flatMap((seed) => folder.records.map((r) => {
  const slice = folder.slice(r);
  return { crop: cropInput(slice, roughBoxFor(r.recist, folder.lesionId(r), seed, slice.width, slice.height), cascade.config), truth: r.recist };
}));
const rows: { ratio: number | null; long: number; short: number }[] = [];
for (const ratio of [null, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6]) {
  const c = { ...cascade, config: { ...cascade.config, boxOrientationRatio: ratio } };
  const props = [];
  for (let i = 0; i < items.length; i += 16) props.push(...await proposeFromCrops(c, items.slice(i, i + 16).map((it) => it.crop), 'pick', 'wasm'));
  const e = meanAxisErrors(props.map((p, i) => ({ predicted: p.recist, truth: items[i].truth })));
  rows.push({ ratio, long: e.longLocPx, short: e.shortLocPx });
  console.log(`ratio ${ratio ?? 'none'}: long-axis location ${e.longLocPx.toFixed(2)} px, short ${e.shortLocPx.toFixed(2)} px (${items.length} proposals)`);
}
const best = rows.reduce((a, b) => (b.long < a.long ? b : a));
console.log(`best: ${best.ratio ?? 'none'} (${values.data})`);
