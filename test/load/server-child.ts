/**
 * The labeling server in a child process, for the load and fault tests: `fork(this file, { execArgv: ['--import',
 * 'tsx'] })` with RECIST_LABELS (the labels folder; its readers are created by the parent), optional RECIST_MODEL /
 * RECIST_BACKEND / RECIST_CHILD_MEASURER=fake. It listens on 127.0.0.1 (port 0) and messages the parent
 * `{ type: 'ready', url, pid }`; it answers `{ type: 'rss' }` with `{ type: 'rss', rss, heapUsed }` and exits cleanly on
 * `{ type: 'close' }` (after flushing the store).
 */
import { startServer } from '../../src/server/index.ts';
import { createApplication } from '../../src/server/app.ts';
import { demoDataset } from '../../src/server/datasets.ts';
import { LabelStore } from '../../src/server/store.ts';
import type { Measurer } from '../../src/model/measurer-types.ts';
import { join } from 'node:path';

const send = (m: unknown): void => { process.send?.(m); };
const labels = process.env.RECIST_LABELS;
if (!labels) throw new Error('server-child: RECIST_LABELS is required');

/** A measurer without a model (fault tests: the store is what is under test, not the network). */
function fakeMeasurer(): Measurer {
  return {
    modelVersion: 'fake-child', backend: 'cpu',
    async measure(_slice, box) {
      const cx = (box.x1 + box.x2) / 2, cy = (box.y1 + box.y2) / 2, w = box.x2 - box.x1, h = box.y2 - box.y1, side = Math.max(w, h);
      return {
        recist: { long: [{ x: cx - w / 3, y: cy }, { x: cx + w / 3, y: cy }], short: [{ x: cx, y: cy - h / 4 }, { x: cx, y: cy + h / 4 }] }, readout: 'heatmaps',
        entropy: 0.5, entropies: [0.5, 0.5, 0.5, 0.5], heatmaps: { width: 64, height: 64, channels: 4, data: new Float32Array(4 * 64 * 64) },
        theta: { tx: 0, ty: 0, alpha: 0, s: 0.5 }, crop: { x0: cx + 0.5 - side / 2, y0: cy + 0.5 - side / 2, side, size: 128 },
        modelVersion: 'fake-child', backend: 'cpu', ms: 0,
      };
    },
    async measureBatch(items) { return Promise.all(items.map((i) => this.measure(i.slice, i.box))); },
    dispose() {},
  };
}

let close: () => Promise<void>;
let url: string;
if (process.env.RECIST_CHILD_MEASURER === 'fake') {
  const store = await LabelStore.open(labels);
  const app = createApplication({ dataset: demoDataset({ cacheDir: join(labels, 'demo') }), measurer: fakeMeasurer(), store, config: { log: () => {} } });
  url = await app.listen(0, '127.0.0.1');
  close = () => app.close();
} else {
  const started = await startServer(
    { port: 0, host: '127.0.0.1', data: null, labels, model: process.env.RECIST_MODEL ?? null, backend: process.env.RECIST_BACKEND },
    (line) => { if (/error|warning/i.test(line)) process.stderr.write(`[server] ${line}\n`); },
  );
  url = started.url;
  close = () => started.app.close();
}
process.on('message', (m: { type?: string }) => {
  if (m?.type === 'rss') {
    const mem = process.memoryUsage();
    send({ type: 'rss', rss: mem.rss, heapUsed: mem.heapUsed });
  } else if (m?.type === 'close') {
    void close().then(() => process.exit(0));
  }
});
process.on('disconnect', () => { void close().finally(() => process.exit(0)); });
send({ type: 'ready', url, pid: process.pid });
