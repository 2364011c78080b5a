/**
 * End to end in real headless Chromium: demo data, a temp label store, the real measurer (models/default via
 * createMeasurer; the classical fallback only when no model folder exists yet). Reader alice signs in, draws a box,
 * gets a proposal, drags an endpoint, accepts; the label is in the lowdb file with reader and model version; reader
 * bob (a second browser context) sees the `label:saved` update. Then ~20 more boxes time the proposal round trip
 * (pointer-up → marks drawn, from the UI's performance measures) and print p50/p95.
 *
 * RECIST_SCREENSHOT=path saves a 1366×768 screenshot with a proposal and the heatmap overlay drawn.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Point, Recist } from '../../src/geometry/types.ts';
import { createApplication, type Application } from '../../src/server/app.ts';
import { demoDataset, type Dataset } from '../../src/server/datasets.ts';
import { loadMeasurer } from '../../src/server/index.ts';
import { LabelStore, LABELS_FILE } from '../../src/server/store.ts';
import { bundleUi } from '../../src/server/ui-bundle.ts';
import type { Measurer } from '../../src/model/measurer-types.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;

let dir: string, url: string, app: Application, browser: Browser, dataset: Dataset, measurer: Measurer;
let tokens: Record<string, string>;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'recist-e2e-'));
  const store = await LabelStore.open(dir);
  tokens = { alice: (await store.addReader('alice')).token, bob: (await store.addReader('bob')).token };
  dataset = demoDataset();
  measurer = await loadMeasurer(null, undefined, (m) => console.log(`# ${m}`));
  app = createApplication({ dataset, measurer, store, config: { ui: await bundleUi(), log: (l) => console.log(`# server: ${l}`) } });
  url = await app.listen(0);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // playwright itself adds a fresh temporary --user-data-dir per launch
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  if (skip) return;
  await browser?.close();
  await app?.close();
  measurer?.dispose();
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

type Hooks = {
  recist: {
    marks(): Recist | null; current(): string | null; toScreen(p: Point): Point; busy(): boolean; imageLoaded(): boolean;
    proposal(): { modelVersion: string } | null;
  };
};

async function signIn(name: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => { errors.push(e.message); if (process.env.E2E_DEBUG) console.log('# pageerror', e.message); });
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); if (process.env.E2E_DEBUG) console.log('# console', m.type(), m.text()); });
  (page as Page & { errors?: string[] }).errors = errors;
  await page.goto(url);
  await page.fill('#signin-name', name);
  await page.fill('#signin-token', tokens[name]);
  await page.click('#signin-submit');
  await page.waitForSelector('#worklist li');
  await page.waitForFunction(() => (window as unknown as Hooks).recist.imageLoaded());
  return page;
}

/** A rough box around the lesion's reference mark (extent × ~1.5 per side), in screen coordinates. */
async function drawBoxAround(page: Page, lesionId: string, jitter = 0): Promise<void> {
  const ref = dataset.lesion(lesionId)?.reference;
  assert.ok(ref, `no reference for ${lesionId}`);
  const xs = [ref.long[0].x, ref.long[1].x, ref.short[0].x, ref.short[1].x], ys = [ref.long[0].y, ref.long[1].y, ref.short[0].y, ref.short[1].y];
  const cx = (Math.min(...xs) + Math.max(...xs)) / 2 + jitter, cy = (Math.min(...ys) + Math.max(...ys)) / 2 - jitter;
  const hw = Math.max(6, (Math.max(...xs) - Math.min(...xs)) * 0.75), hh = Math.max(6, (Math.max(...ys) - Math.min(...ys)) * 0.75);
  // Start the drag at the box corner farthest from the marks already on screen: a pointer-down on an endpoint
  // handle would drag that endpoint instead of drawing a box (the model's marks can reach past the box).
  const marks = await page.evaluate(() => (window as unknown as Hooks).recist.marks());
  const ends = marks ? [...marks.long, ...marks.short] : [];
  const corners = [[-1, -1], [1, -1], [1, 1], [-1, 1]].map(([sx, sy]) => ({ x: cx + sx * hw, y: cy + sy * hh }));
  const clearance = (p: { x: number; y: number }) => Math.min(Infinity, ...ends.map((e) => Math.hypot(e.x - p.x, e.y - p.y)));
  const start = corners.reduce((best, c) => (clearance(c) > clearance(best) ? c : best), corners[0]);
  const end = { x: 2 * cx - start.x, y: 2 * cy - start.y };
  const [a, b] = await page.evaluate(([p, q]) => [(window as unknown as Hooks).recist.toScreen(p), (window as unknown as Hooks).recist.toScreen(q)],
    [start, end] as const);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 3 });
  await page.mouse.move(b.x, b.y, { steps: 2 });
  await page.mouse.up();
}

const waitForProposal = (page: Page, seqBefore: number): Promise<unknown> =>
  page.waitForFunction((n) => performance.getEntriesByType('measure').filter((e) => e.name.startsWith('propose:roundtrip')).length > n
    && !(window as unknown as Hooks).recist.busy(), seqBefore, { timeout: 20000 }).catch(async (e: Error) => {
    const status = await page.evaluate(() => document.querySelector('.statusbar')?.textContent ?? '');
    throw new Error(`${e.message} (status bar: ${status.replace(/\s+/g, ' ').trim()})`);
  });
const roundTrips = (page: Page): Promise<number[]> =>
  page.evaluate(() => performance.getEntriesByType('measure').filter((e) => e.name.startsWith('propose:roundtrip')).map((e) => e.duration));

const span = (r: Recist): number => Math.hypot(r.long[1].x - r.long[0].x, r.long[1].y - r.long[0].y);
const axisCos = (r: Recist): number => {
  const a = { x: r.long[1].x - r.long[0].x, y: r.long[1].y - r.long[0].y }, b = { x: r.short[1].x - r.short[0].x, y: r.short[1].y - r.short[0].y };
  return Math.abs(a.x * b.x + a.y * b.y) / (Math.hypot(a.x, a.y) * Math.hypot(b.x, b.y));
};

test('box → proposal → drag → accept; persisted with reader and model version; the other reader sees it', { skip, timeout: 85000 }, async () => {
  const alice = await signIn('alice');
  const bob = await signIn('bob');
  const hooks = (p: Page) => p.evaluate(() => ({ current: (window as unknown as Hooks).recist.current(), marks: (window as unknown as Hooks).recist.marks() }));
  const lesionId = (await hooks(alice)).current!;
  assert.equal(lesionId, dataset.lesions[0].id);

  await drawBoxAround(alice, lesionId);
  await waitForProposal(alice, 0);
  const proposed = (await hooks(alice)).marks!;
  assert.ok(proposed, 'marks drawn');
  assert.match(await alice.textContent('#model-info') ?? '', new RegExp(`model ${measurer.modelVersion.replace(/[()]/g, '.')}`));

  // drag the long-axis right end 6 screen px further out along the axis
  const end = proposed.long[1], start = proposed.long[0];
  const s = await alice.evaluate((p) => (window as unknown as Hooks).recist.toScreen(p), end);
  const s0 = await alice.evaluate((p) => (window as unknown as Hooks).recist.toScreen(p), start);
  const d = Math.hypot(s.x - s0.x, s.y - s0.y);
  await alice.mouse.move(s.x, s.y);
  await alice.mouse.down();
  await alice.mouse.move(s.x + ((s.x - s0.x) / d) * 6, s.y + ((s.y - s0.y) / d) * 6 + 3, { steps: 4 });
  await alice.mouse.up();
  const edited = (await hooks(alice)).marks!;
  assert.notDeepEqual(edited, proposed, 'the drag changed the marks');
  assert.ok(axisCos(edited) <= axisCos(proposed) + 1e-6, 'the lock kept the axes as perpendicular as proposed');
  const lengths = await alice.textContent('#lengths');
  assert.match(lengths ?? '', /long \d+\.\d mm · short \d+\.\d mm/);

  await alice.keyboard.press('Enter');
  await alice.waitForFunction((id) => document.body.dataset.lastOwnSave === `${id}:accepted`, lesionId);

  const file = JSON.parse(readFileSync(join(dir, LABELS_FILE), 'utf8'));
  const label = file.labels.find((l: { lesionId: string }) => l.lesionId === lesionId);
  assert.ok(label, 'label in the lowdb file');
  assert.equal(label.reader, 'alice');
  assert.equal(label.modelVersion, measurer.modelVersion);
  assert.equal(label.status, 'accepted');
  assert.deepEqual(label.final, edited, 'FINAL = the edited marks');
  assert.deepEqual(label.original.recist, proposed, 'ORIGINAL = the proposal');

  await bob.waitForFunction((id) => document.body.dataset.lastSaved === `alice:${id}:accepted`, lesionId, { timeout: 5000 });
  assert.equal(await bob.getAttribute(`#worklist li[data-lesion-id="${lesionId}"]`, 'data-status'), 'accepted');

  // proposal round trip over ~20 boxes (alice is now on the next lesion)
  for (let i = 0; i < 20; i++) {
    const current = (await hooks(alice)).current!;
    const n = (await roundTrips(alice)).length;
    await drawBoxAround(alice, current, (i % 3) - 1);
    await waitForProposal(alice, n);
    if (i % 2 === 1) {
      await alice.keyboard.press('n');
      await alice.waitForFunction(() => (window as unknown as Hooks).recist.imageLoaded());
    }
  }
  const times = (await roundTrips(alice)).slice(1).sort((a, b) => a - b);
  const q = (p: number): number => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)];
  console.log(`# proposal round trip (pointer-up → marks drawn), ${times.length} boxes, model ${measurer.modelVersion} on ${measurer.backend}: ` +
    `p50 ${q(0.5).toFixed(0)} ms, p95 ${q(0.95).toFixed(0)} ms, max ${times[times.length - 1].toFixed(0)} ms`);
  assert.equal(times.length, 20);

  if (process.env.RECIST_SCREENSHOT) {
    // the largest demo lesion, zoomed (ctrl+wheel) onto it, proposed, with the heatmap overlay
    const big = [...dataset.lesions].sort((a, b) => span(b.reference!) - span(a.reference!))[0];
    await alice.click(`#worklist li[data-lesion-id="${big.id}"]`);
    await alice.waitForFunction(() => (window as unknown as Hooks).recist.imageLoaded());
    const ref = big.reference!;
    const c = await alice.evaluate((p) => (window as unknown as Hooks).recist.toScreen(p), { x: (ref.long[0].x + ref.long[1].x) / 2, y: (ref.long[0].y + ref.long[1].y) / 2 });
    await alice.mouse.move(c.x, c.y);
    await alice.keyboard.down('Control');
    for (let i = 0; i < 6; i++) await alice.mouse.wheel(0, -120);
    await alice.keyboard.up('Control');
    const n = (await roundTrips(alice)).length;
    await drawBoxAround(alice, big.id);
    await waitForProposal(alice, n);
    await alice.keyboard.press('h');
    await alice.mouse.move(5, 5);
    await alice.waitForTimeout(150);
    await alice.screenshot({ path: process.env.RECIST_SCREENSHOT });
  }
  const errors = [...((alice as Page & { errors?: string[] }).errors ?? []), ...((bob as Page & { errors?: string[] }).errors ?? [])];
  assert.deepEqual(errors, [], 'no page errors or console errors (CSP violations included)');
});
