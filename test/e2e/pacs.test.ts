/**
 * End to end in headless Chromium on a real Orthanc: the worklist comes from Orthanc (DICOMweb), reader alice draws a
 * box, gets a proposal and accepts it in the browser; the SR lands in Orthanc under the image's patient and study
 * (Orthanc's REST API), and import-sr over DICOMweb reads it back to the same marks within 0.01 px.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Point } from '../../src/geometry/types.ts';
import { requireSharedData } from '../helpers/shared-data.ts';
import { fileBytes, skipOrthanc, startOrthanc } from '../helpers/orthanc.ts';
import { fakeMeasurer } from '../server/fixtures.ts';
import { createApplication } from '../../src/server/app.ts';
import { LabelStore } from '../../src/server/store.ts';
import { bundleUi } from '../../src/server/ui-bundle.ts';
import { createDicomwebClient } from '../../src/pacs/dicomweb.ts';
import { openDicomwebDataset } from '../../src/pacs/datastore.ts';
import { createSrOutbox } from '../../src/pacs/sr-outbox.ts';
import { importSrDocuments } from '../../src/pacs/sr-import.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : skipOrthanc;
type Hooks = { recist: { marks(): unknown; toScreen(p: Point): Point; busy(): boolean; imageLoaded(): boolean; current(): string | null } };

test('browser on Orthanc: accept a proposal → SR in Orthanc under the image\'s patient and study → import-sr within 0.01 px', { skip, timeout: 120_000 }, async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const orthanc = await startOrthanc();
  const dir = mkdtempSync(join(tmpdir(), 'recist-e2e-pacs-'));
  let app: ReturnType<typeof createApplication> | null = null;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    for (const f of ['01', '02', '03']) await orthanc.upload(fileBytes(join(shared, 'dicom', `dcmqi_ct3slice_abdomen_${f}.dcm`)));
    const client = createDicomwebClient({ url: orthanc.dicomweb, auth: { user: orthanc.user, password: orthanc.password } });
    const dataset = await openDicomwebDataset({ client, cacheDir: join(dir, 'cache') });
    const store = await LabelStore.open(join(dir, 'labels'));
    const token = (await store.addReader('alice')).token;
    const outbox = createSrOutbox({ dataset, labels: () => store.labels(), dir: join(dir, 'labels', 'sr-outbox') });
    app = createApplication({ dataset, measurer: fakeMeasurer(), store, srOutbox: outbox, config: { ui: await bundleUi(), log: () => {} } });
    const url = await app.listen(0);
    const page = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
    await page.goto(url);
    await page.fill('#signin-name', 'alice');
    await page.fill('#signin-token', token);
    await page.click('#signin-submit');
    await page.waitForSelector('#worklist li');
    await page.waitForFunction(() => (window as unknown as Hooks).recist.imageLoaded());
    const lesionId = await page.evaluate(() => (window as unknown as Hooks).recist.current());
    assert.ok(lesionId && dataset.lesion(lesionId), `current lesion ${lesionId} is from Orthanc`);
    const [a, b] = await page.evaluate(([p, q]) => [(window as unknown as Hooks).recist.toScreen(p), (window as unknown as Hooks).recist.toScreen(q)],
      [{ x: 190, y: 190 }, { x: 250, y: 240 }] as const);
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 3 });
    await page.mouse.move(b.x, b.y, { steps: 2 });
    await page.mouse.up();
    await page.waitForFunction(() => (window as unknown as Hooks).recist.marks() !== null && !(window as unknown as Hooks).recist.busy(), null, { timeout: 20_000 });
    await page.keyboard.press('Enter');
    await page.waitForFunction((id) => document.body.dataset.lastOwnSave === `${id}:accepted`, lesionId, { timeout: 20_000 });
    await store.flush();
    const label = store.labels().find((l) => l.lesionId === lesionId && l.status === 'accepted');
    assert.ok(label?.final, 'accepted label stored');

    const image = dataset.source(dataset.lesion(lesionId)!.sliceRef);
    const find = (sop: string) => orthanc.rest<string[]>('/tools/find', { method: 'POST', body: JSON.stringify({ Level: 'Instance', Query: { SOPInstanceUID: sop } }) });
    const imageId = (await find(image.sopInstanceUid))[0];
    const studyId = (await orthanc.rest<{ ID: string }>(`/instances/${imageId}/study`)).ID;
    const srSeries = (await orthanc.rest<{ ID: string; MainDicomTags: { Modality: string }; Instances: string[] }[]>(`/studies/${studyId}/series`)).filter((s) => s.MainDicomTags.Modality === 'SR');
    assert.equal(srSeries.length, 1, 'the SR is in the image\'s study');
    const srPatient = (await orthanc.rest<{ ID: string }>(`/instances/${srSeries[0].Instances[0]}/patient`)).ID;
    assert.equal(srPatient, (await orthanc.rest<{ ID: string }>(`/instances/${imageId}/patient`)).ID, 'under the image\'s patient');

    const again = await openDicomwebDataset({ client, cacheDir: join(dir, 'cache2') });
    const store2 = await LabelStore.open(join(dir, 'labels2'));
    assert.equal((await importSrDocuments(store2, again, again.srDocuments)).added, 1);
    const back = store2.labels()[0];
    [...back.final!.long, ...back.final!.short].forEach((p, i) => {
      const q = [...label.final!.long, ...label.final!.short][i];
      assert.ok(Math.abs(p.x - q.x) < 0.01 && Math.abs(p.y - q.y) < 0.01, `point ${i}: ${JSON.stringify(p)} vs ${JSON.stringify(q)}`);
    });
    outbox.close();
  } finally {
    await browser.close();
    await app?.close();
    await orthanc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
