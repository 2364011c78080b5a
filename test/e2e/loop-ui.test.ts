/**
 * The active-learning loop as the reader sees it, in headless Chromium: the worklist arrives ranked (entropy of a
 * stub measurer), the fine-tune status line follows `finetune:progress` / `finetune:done` (promoted with the
 * long-axis error before → after, or "not promoted: reason"), the model version shown updates on `model:changed`
 * and the next proposal carries it, and the worklist re-sorts on `worklist:ranked` after the model changed.
 * The fine-tune service is a stand-in that emits through the app's hook (the real one is in test/server/loop.test.ts).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Point } from '../../src/geometry/types.ts';
import { createApplication, type Application } from '../../src/server/app.ts';
import type { Dataset } from '../../src/server/datasets.ts';
import type { FineTuneAttach } from '../../src/server/finetune/index.ts';
import { LabelStore } from '../../src/server/store.ts';
import { bundleUi } from '../../src/server/ui-bundle.ts';
import { rankDataset, stubEntropyMeasurer } from '../server/fixtures.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;

let dir: string, url: string, app: Application, browser: Browser, dataset: Dataset, token: string;
let hook: FineTuneAttach | null = null;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'recist-loop-ui-'));
  const store = await LabelStore.open(dir);
  token = (await store.addReader('carol')).token;
  dataset = rankDataset();
  app = createApplication({
    dataset, measurer: stubEntropyMeasurer('v1'), store,
    fineTune: { router: () => express.Router(), attach: (a) => { hook = a; } },
    config: { ui: await bundleUi(), log: () => {}, activeLearning: { strategy: 'entropy', scoreOnStart: false } },
  });
  await app.ranker!.rescore();
  url = await app.listen(0);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  if (skip) return;
  await browser?.close();
  await app?.close();
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

type Hooks = { recist: { current(): string | null; toScreen(p: Point): Point; busy(): boolean; imageLoaded(): boolean; proposal(): { modelVersion: string } | null } };
const order = (page: Page): Promise<string[]> => page.$$eval('#worklist li', (els) => els.map((e) => (e as HTMLElement).dataset.lesionId ?? ''));

async function propose(page: Page): Promise<string> {
  const id = await page.evaluate(() => (window as unknown as Hooks).recist.current());
  const ref = dataset.lesion(id!)!.reference ?? { long: [{ x: 30, y: 35 }, { x: 50, y: 35 }], short: [{ x: 40, y: 30 }, { x: 40, y: 40 }] };
  const xs = [ref.long[0].x, ref.long[1].x], ys = [ref.short[0].y, ref.short[1].y];
  const [a, b] = await page.evaluate(([p, q]) => [(window as unknown as Hooks).recist.toScreen(p), (window as unknown as Hooks).recist.toScreen(q)],
    [{ x: Math.min(...xs) - 6, y: Math.min(...ys) - 6 }, { x: Math.max(...xs) + 6, y: Math.max(...ys) + 6 }] as const);
  const before = await page.evaluate(() => (window as unknown as Hooks).recist.proposal());
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 3 });
  await page.mouse.move(b.x, b.y, { steps: 2 });
  await page.mouse.up();
  await page.waitForFunction((prev) => {
    const h = (window as unknown as Hooks).recist;
    return !h.busy() && h.proposal() !== null && JSON.stringify(h.proposal()) !== prev;
  }, JSON.stringify(before), { timeout: 10000 });
  return (await page.evaluate(() => (window as unknown as Hooks).recist.proposal()))!.modelVersion;
}

test('ranked worklist, fine-tune status line, model version after model:changed, re-sort on worklist:ranked', { skip, timeout: 60000 }, async () => {
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(url);
  await page.fill('#signin-name', 'carol');
  await page.fill('#signin-token', token);
  await page.click('#signin-submit');
  await page.waitForSelector('#worklist li');
  await page.waitForFunction(() => (window as unknown as Hooks).recist.imageLoaded());

  // v1 entropy grows with the lesion index; L6 cannot be scored (no reference, no box) and comes last
  assert.deepEqual(await order(page), ['L5', 'L4', 'L3', 'L2', 'L1', 'L0', 'L6']);
  assert.equal(await page.evaluate(() => (window as unknown as Hooks).recist.current()), 'L5', 'the most uncertain lesion is opened');
  assert.match(await page.textContent('#progress') ?? '', /entropy/);
  assert.equal(await propose(page), 'v1');
  assert.match(await page.textContent('#model-info') ?? '', /^model v1 /);

  // fine-tune progress and the result
  assert.ok(hook, 'the app attached to the fine-tune service');
  hook!.emit('finetune:progress', { jobId: 'j1', stage: 'train', step: 12, maxSteps: 30, loss: 0.5, elapsedS: 3, nextVersion: 'v0003' });
  await page.waitForFunction(() => /fine-tuning v0003: step 12\/30/.test(document.getElementById('finetune-status')?.textContent ?? ''));
  const metrics = (longLocPx: number) => ({ longLocPx, shortLocPx: 1, longLenPx: 1, shortLenPx: 1, n: 2 });
  hook!.emit('model:changed', { modelVersion: 'v2', version: 'v0003', modelDir: '/nowhere', reason: 'better' });
  hook!.modelChanged!(stubEntropyMeasurer('v2'));
  hook!.emit('finetune:done', {
    jobId: 'j1', ok: true, promoted: true, reason: 'better', activeVersion: 'v0003', modelVersion: 'v2',
    metricsBefore: metrics(4.1), metricsAfter: metrics(3.6), corrections: 4, seconds: 9,
    readoutFit: { from: 0.75, classicalWeight: 0.25, tried: [{ classicalWeight: 0.25, longLocPx: 3, gainPx: 0.4, z: 2.5 }, { classicalWeight: 0.75, longLocPx: 3.4, gainPx: 0, z: 0 }], n: 4, reason: 'classical weight 0.75 → 0.25 on 4 correction(s)' },
  });
  await page.waitForFunction(() => document.body.dataset.finetuneDone === 'j1');
  assert.equal(await page.textContent('#finetune-status'), 'model v0003 promoted (long-axis error 4.1 → 3.6 px; read-out\'s classical weight 0.75 → 0.25)');
  await page.waitForFunction(() => document.body.dataset.modelVersion === 'v2');
  assert.match(await page.textContent('#model-info') ?? '', /model v1 .*now serving v2/, 'the open proposal is flagged as the old model\'s');

  // the server re-ranks with v2 (descending index) and the list re-sorts without a reload
  await page.waitForFunction(() => document.body.dataset.ranked === 'v2', undefined, { timeout: 10000 });
  assert.deepEqual(await order(page), ['L0', 'L1', 'L2', 'L3', 'L4', 'L5', 'L6']);
  // the next proposal comes from v2 and says so
  assert.equal(await propose(page), 'v2');
  assert.match(await page.textContent('#model-info') ?? '', /^model v2 /);

  hook!.emit('finetune:done', {
    jobId: 'j2', ok: true, promoted: false, reason: 'long-axis location error on 1 held-out correction(s): 3.60 → 3.90 px (worse)', activeVersion: 'v0003',
    modelVersion: 'v2', metricsBefore: metrics(3.6), metricsAfter: metrics(3.9), taughtBefore: metrics(3.0), taughtAfter: metrics(3.3), corrections: 8, seconds: 9,
    readoutFit: { from: 0.75, classicalWeight: 0.75, tried: [{ classicalWeight: 0.75, longLocPx: 3, gainPx: 0, z: 0 }], n: 6, reason: 'classical weight kept at 0.75 on 6 correction(s): the best of the grid' },
  });
  await page.waitForFunction(() => document.body.dataset.finetuneDone === 'j2');
  assert.match(await page.textContent('#finetune-status') ?? '', /^not promoted: long-axis location error .*\(worse\); on the corrections it learned from 3\.0 → 3\.3 px; read-out's classical weight kept at 0\.75$/);
  assert.deepEqual(errors, [], 'no page or console errors');
});
