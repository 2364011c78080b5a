/**
 * The labeling server on a DICOMweb datastore (a real Orthanc): `serve --dicomweb` flags, the worklist from Orthanc,
 * a proposal accepted over socket.io, the ack saying the SR is in the PACS, the SR in Orthanc under the image's study;
 * with the PACS stopped the save still succeeds and the ack says the SR waits; the server stays up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { requireSharedData } from '../helpers/shared-data.ts';
import { fileBytes, skipOrthanc, startOrthanc } from '../helpers/orthanc.ts';
import { fakeMeasurer } from '../server/fixtures.ts';
import { createApplication } from '../../src/server/app.ts';
import { serveConfig } from '../../src/server/index.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/server/events.ts';
import { LabelStore } from '../../src/server/store.ts';
import { dicomwebFromFlags } from '../../src/pacs/cli.ts';
import { createSrOutbox } from '../../src/pacs/sr-outbox.ts';

test('serve --dicomweb flags: URL, studies and timeout from flags or environment', () => {
  const c = serveConfig({ dicomweb: 'http://pacs:8042/dicom-web', dicomwebStudy: '1.2.3' }, {});
  assert.deepEqual(c.dicomweb, { url: 'http://pacs:8042/dicom-web', studies: '1.2.3', timeout: undefined });
  assert.equal(serveConfig({}, { RECIST_DICOMWEB: 'http://x/dw', RECIST_DICOMWEB_TIMEOUT: '5' }).dicomweb?.timeout, '5');
  assert.equal(serveConfig({}, {}).dicomweb, null);
});

test('labeling server on Orthanc: worklist from DICOMweb, accepted proposal → SR in the PACS; PACS down → saved, SR waits', { skip: skipOrthanc }, async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const orthanc = await startOrthanc();
  const dir = mkdtempSync(join(tmpdir(), 'recist-serve-dw-'));
  let app: ReturnType<typeof createApplication> | null = null;
  let s: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
  try {
    for (const f of ['01', '02', '03']) await orthanc.upload(fileBytes(join(shared, 'dicom', `dcmqi_ct3slice_abdomen_${f}.dcm`)));
    const env = { RECIST_DICOMWEB_USER: orthanc.user, RECIST_DICOMWEB_PASSWORD: orthanc.password };
    const logs: string[] = [];
    const dataset = (await dicomwebFromFlags({ dicomweb: orthanc.dicomweb, dicomwebTimeout: '3' }, join(dir, 'cache'), (m) => logs.push(m), env))!;
    assert.ok(!logs.join('\n').includes(orthanc.password), 'credentials never logged');
    const store = await LabelStore.open(join(dir, 'labels'));
    const token = (await store.addReader('alice')).token;
    const outbox = createSrOutbox({ dataset, labels: () => store.labels(), dir: join(dir, 'labels', 'sr-outbox'), log: (m) => logs.push(m) });
    app = createApplication({ dataset, measurer: fakeMeasurer(), store, srOutbox: outbox, config: { log: () => {} } });
    const url = await app.listen(0);
    s = connect(url, { transports: ['websocket'], auth: { name: 'alice', token }, reconnection: false, forceNew: true });
    await new Promise<void>((res, rej) => { s!.once('connect', () => res()); s!.once('connect_error', rej); });
    const emit = (event: string, ...args: unknown[]): Promise<any> => (s as any).timeout(20_000).emitWithAck(event, ...args);
    const wl = await emit('worklist:get');
    assert.equal(wl.data.items.length, 3);
    const item = wl.data.items[0];
    const p = await emit('propose', { lesionId: item.lesionId, box: { x1: 180, y1: 190, x2: 250, y2: 240 } });
    assert.ok('data' in p, JSON.stringify(p));
    const saved = await emit('label:save', { lesionId: item.lesionId, status: 'accepted', recist: p.data.recist, box: p.data.box });
    assert.ok('data' in saved, JSON.stringify(saved));
    assert.equal(saved.data.pacs.stored, true, saved.data.pacs.message);
    const study = dataset.source(item.sliceId).studyInstanceUid;
    const studies = await orthanc.rest<string[]>('/tools/find', { method: 'POST', body: JSON.stringify({ Level: 'Study', Query: { StudyInstanceUID: study } }) });
    const series = await orthanc.rest<{ MainDicomTags: { Modality: string } }[]>(`/studies/${studies[0]}/series`);
    assert.deepEqual(series.map((x) => x.MainDicomTags.Modality).sort(), ['CT', 'SR']);

    await orthanc.stop(); // the PACS goes down
    const down = await emit('label:save', { lesionId: wl.data.items[1].lesionId, status: 'accepted', recist: p.data.recist, box: p.data.box });
    assert.ok('data' in down, JSON.stringify(down));
    assert.equal(down.data.pacs.stored, false);
    assert.match(down.data.pacs.message, /label saved; (SR not yet in the PACS, kept and sent again later|the PACS is slow)/);
    assert.equal(store.labels().length, 2, 'nothing lost');
    assert.ok('data' in (await emit('worklist:get')), 'the server stays up');
    outbox.close();
  } finally {
    s?.close();
    await app?.close();
    await orthanc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
