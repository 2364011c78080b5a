/**
 * Child for the fine-tune fault test: the labeling server with a fine-tune service (ellipse-lesion dataset, the
 * store in $RECIST_FT_DIR/labels made by the parent, the tiny base model in $RECIST_FT_DIR/base). On
 * `{ type: 'start' }` it starts a long job and reports `{ type: 'training', workerPid }` once the worker trains.
 */
import { join } from 'node:path';
import { createApplication } from '../../src/server/app.ts';
import { datasetFromMaps, type LesionItem } from '../../src/server/datasets.ts';
import { createFineTuneService } from '../../src/server/finetune/index.ts';
import { LabelStore } from '../../src/server/store.ts';
import type { CtSlice } from '../../src/data/types.ts';
import { ellipseLesion } from '../model/finetune-fixtures.ts';
import { fakeMeasurer } from '../server/fixtures.ts';

export const FT_LESIONS = 12;

export function ellipseDataset() {
  const slices = new Map<string, CtSlice>();
  const lesions: LesionItem[] = [];
  const marks = new Map<string, ReturnType<typeof ellipseLesion>['recist']>();
  for (let i = 0; i < FT_LESIONS; i++) {
    const l = ellipseLesion(200 + i);
    slices.set(`s${i}`, l.slice);
    marks.set(`L${i}`, l.recist);
    lesions.push({ id: `L${i}`, sliceRef: `s${i}`, stack: [`s${i}`], keyIndex: 0, width: l.slice.width, height: l.slice.height, spacing: l.slice.spacing, window: null, reference: null, title: `L${i}` });
  }
  return { dataset: datasetFromMaps('ellipses', 'demo', lesions, (id) => slices.get(id)!, slices.keys()), marks };
}

if (process.env.RECIST_FT_DIR) {
  const dir = process.env.RECIST_FT_DIR;
  const { dataset } = ellipseDataset();
  const store = await LabelStore.open(join(dir, 'labels'));
  const service = createFineTuneService({
    store, dataset, labelsDir: join(dir, 'labels'), baseModelDir: join(dir, 'base'), log: () => {},
    config: { every: 0, steps: 10_000, minutes: 30, replay: false, backend: 'wasm', minValidation: 1, pollMs: 3_600_000 },
    broadcast: (event, payload) => {
      const p = payload as { stage?: string };
      if (event === 'finetune:progress' && p.stage === 'train') process.send?.({ type: 'training', workerPid: service.workerPid() });
    },
  });
  const app = createApplication({ dataset, measurer: fakeMeasurer(), store, fineTune: service, config: { log: () => {} } });
  const url = await app.listen(0, '127.0.0.1');
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'start') service.start('admin');
  });
  process.send?.({ type: 'ready', url, pid: process.pid });
}
