import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAlSim, splitByPatient, type AlSimModel } from '../../src/active/al-sim.ts';
import { alSimMarkdown, alSimSvg } from '../../src/active/al-sim-report.ts';
import { join } from 'node:path';
import { requireSharedData } from '../helpers/shared-data.ts';

/** The real adapter's modules and the dev folder on the wasm backend (imported lazily: only the tests with data need them). */
async function realAdapter(shared: string) {
  const { openLesionSet } = await import('../../src/data/lesion-set.ts');
  const { createAlAdapter, loadAlModel } = await import('../../src/model/finetune-al.ts');
  const { fitReaderCalibration, applyCalibration } = await import('../../src/active/reader-bias.ts');
  const { initBackend } = await import('../../src/model/backend/index.ts');
  const { DEFAULT_MODEL_DIR } = await import('../../src/model/measurer.ts');
  await initBackend('wasm');
  return { folderLesions: openLesionSet(join(shared, 'deeplesion-dev')).lesions, createAlAdapter, loadStart: () => loadAlModel(DEFAULT_MODEL_DIR), fitReaderCalibration, applyCalibration };
}

/** A fake "model" is its own test error; fine-tuning lowers it by 0.5 px per uncertain (odd-numbered) lesion revealed. */
const lesions = Array.from({ length: 20 }, (_, i) => ({ id: `L${i}`, patient: `P${i % 7}` }));
const num = (id: string): number => Number(id.slice(1));
const fake: AlSimModel<number> = {
  async score(_m, ids) { return new Map(ids.map((id) => [id, { entropy: num(id) % 2 ? 0.9 : 0.1 }])); },
  async fineTune(_m, ids) { return { model: 6 - 0.5 * ids.filter((id) => num(id) % 2).length, promoted: true, reason: 'fake', seconds: 0 }; },
  async evaluate(m, ids) { return { metrics: { longLocPx: m, longLenMm: m / 2 }, perLesionLongLocPx: Object.fromEntries(ids.map((id) => [id, m])) }; },
  async baseline() { return { longLocPx: 4, longLenMm: 1.5, shortLenMm: 0.75 }; },
  version: (m) => `fake-${m}`,
};

test('al-sim: patient-disjoint split; entropy picks the uncertain lesions and beats random; box-cross reference reported', async () => {
  const { pool, test: testPart } = splitByPatient(lesions, 1 / 3, 1);
  const poolPatients = new Set(pool.map((l) => l.patient));
  assert.ok(testPart.length > 0 && testPart.every((l) => !poolPatients.has(l.patient)), 'no patient on both sides');
  const r = await runAlSim(6, fake, { lesions, strategies: ['entropy', 'random'], k: 2, rounds: 3, seed: 1 });
  assert.deepEqual(r.baseline, { longLocPx: 4, longLenMm: 1.5, shortLenMm: 0.75 });
  const [ent, rnd] = r.curves;
  assert.deepEqual(ent.points.map((p) => p.corrections), [0, 2, 4, 6]);
  assert.ok(ent.points.slice(1).every((p) => p.picked.every((id) => num(id) % 2 === 1)), 'entropy reveals uncertain lesions first');
  assert.equal(ent.points[3].metrics.longLocPx, 3);
  assert.ok(rnd.points[3].metrics.longLocPx >= ent.points[3].metrics.longLocPx);
  const md = alSimMarkdown(r, { name: 'fake', data: 'none', startModel: 'fake-6', settings: { k: 2 }, backend: 'none', command: 'test' }, 'curve.svg');
  assert.match(md, /box-cross baseline on the same test lesions and boxes: 4\.00 px long-axis location, 1\.50 mm long-axis length, 0\.75 mm short-axis length/);
  assert.match(md, /entropy: after 6 corrections 3\.00 px vs start 6\.00 px \(fine-tuned model beats the start model\)/);
  assert.match(alSimSvg(r, 'fake'), />box-cross</);
});

test('al-sim --score-taught: each round also scores the revealed lesions, next to the start model on the same lesions', async () => {
  // A model that has learned exactly the lesions it was taught: 1 px on those, its start error (6) elsewhere.
  type Taught = ReadonlySet<string>;
  const learner: AlSimModel<Taught> = {
    async score(_m, ids) { return new Map(ids.map((id) => [id, { entropy: num(id) / 20 }])); },
    async fineTune(_m, ids) { return { model: new Set(ids), promoted: true, reason: 'fake', seconds: 0 }; },
    async evaluate(m, ids) {
      const per = Object.fromEntries(ids.map((id) => [id, m.has(id) ? 1 : 6]));
      return { metrics: { longLocPx: ids.reduce((s, id) => s + per[id], 0) / ids.length }, perLesionLongLocPx: per };
    },
    version: (m) => `taught-${m.size}`,
  };
  const r = await runAlSim<Taught>(new Set(), learner, { lesions, strategies: ['entropy'], k: 3, rounds: 2, seed: 2, scoreTaught: true });
  const [, p1, p2] = r.curves[0].points;
  assert.deepEqual(p1.taught, { longLocPx: 1, startLongLocPx: 6 });
  assert.deepEqual(p2.taught, { longLocPx: 1, startLongLocPx: 6 });
  assert.equal(p2.metrics.longLocPx, 6, 'the test part was not taught');
  assert.equal(r.curves[0].points[0].taught, undefined);
  const md = alSimMarkdown(r, { name: 'taught', data: 'none', startModel: 'taught-0', settings: {}, backend: 'none', command: 'test' }, 'curve.svg');
  assert.match(md, /## The lesions it was taught[\s\S]*\| 6 \| 6\.00 → 1\.00 \|/);
  const without = await runAlSim<Taught>(new Set(), learner, { lesions, strategies: ['entropy'], k: 3, rounds: 1, seed: 2 });
  assert.equal(without.curves[0].points[1].taught, undefined);
  assert.doesNotMatch(alSimMarkdown(without, { name: 'x', data: 'none', startModel: 'x', settings: {}, backend: 'none', command: 'test' }, 'c.svg'), /lesions it was taught/);
});

test('al-sim adapter, calibration only (steps 0): the network is kept, a site calibration fitted on the revealed marks changes the test proposals', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const { folderLesions, createAlAdapter, loadStart, fitReaderCalibration, applyCalibration } = await realAdapter(shared);
  const fitted: number[] = [];
  const { ops, lesions } = createAlAdapter({
    folderLesions, workDir: '/nonexistent', steps: 0, replay: null, replayFraction: 0, gate: false, evalSeeds: [1], scoreSeed: 1,
    calibrate: (pairs) => {
      const cal = fitReaderCalibration('site', pairs, { minPairs: 1, prior: 0 });
      fitted.push(cal.longScale);
      return (r) => applyCalibration(r, cal);
    },
  });
  const start = await loadStart();
  const ids = lesions.map((l) => l.id);
  const [reveal, testIds] = [ids.slice(0, 6), ids.slice(6, 10)];
  const before = await ops.evaluate(start, testIds);
  const ft = await ops.fineTune(start, reveal, { strategy: 'first', round: 1, seed: 1 });
  assert.equal(ft.model.cascade, start.cascade, 'steps 0: the network is the start model\'s');
  assert.equal(ft.model.version, start.version);
  assert.equal(fitted.length, 1);
  assert.ok(Number.isFinite(fitted[0]) && fitted[0] !== 1, `a length scale was fitted (${fitted[0]})`);
  const after = await ops.evaluate(ft.model, testIds);
  assert.notEqual(after.metrics.longLenMm, before.metrics.longLenMm, 'the calibration changed the test proposals');
  assert.deepEqual(Object.keys(after.perLesionLongLocPx).sort(), [...testIds].sort(), 'a location error per test lesion');
  const perLesion = Object.values(after.perLesionLongLocPx);
  assert.ok(Math.abs(perLesion.reduce((a, b) => a + b, 0) / perLesion.length - after.metrics.longLocPx) < 1e-9, 'their mean is the headline');
  ops.release(start);
});

test('al-sim adapter, read-out fit (steps 0, fitReadout): the network is kept, the classical weight is re-picked on the revealed marks and used on the test part', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const { folderLesions, createAlAdapter, loadStart } = await realAdapter(shared);
  const { CLASSICAL_WEIGHT_GRID } = await import('../../src/model/readout-fit.ts');
  const { ops, lesions } = createAlAdapter({ folderLesions, workDir: '/nonexistent', steps: 0, replay: null, replayFraction: 0, gate: false, evalSeeds: [1], scoreSeed: 1, fitReadout: true });
  const start = await loadStart();
  const w0 = start.cascade.config.classicalWeight!;
  const ids = lesions.map((l) => l.id);
  const few = await ops.fineTune(start, ids.slice(0, 2), { strategy: 'first', round: 1, seed: 1 });
  assert.equal(few.model.cascade.config.classicalWeight, w0, 'two corrections: kept');
  assert.match(few.reason, /2 correction\(s\), need ≥ 3/);
  const ft = await ops.fineTune(start, ids.slice(0, 8), { strategy: 'first', round: 2, seed: 1 });
  assert.equal(ft.model.cascade.stn, start.cascade.stn, 'steps 0: the network is the start model\'s');
  assert.equal(ft.model.version, start.version);
  const w = ft.model.cascade.config.classicalWeight!;
  assert.ok(CLASSICAL_WEIGHT_GRID.includes(w), `picked ${w}`);
  assert.match(ft.reason, w === w0 ? new RegExp(`classical weight kept at ${w0} on 8 correction`) : new RegExp(`classical weight ${w0} → ${w} on 8 correction`));
  assert.equal(start.cascade.config.classicalWeight, w0, 'the start model is not changed');
  const testIds = ids.slice(8, 12);
  const after = await ops.evaluate(ft.model, testIds);
  const { withClassicalWeight } = await import('../../src/model/readout-fit.ts');
  const direct = await ops.evaluate({ ...start, cascade: withClassicalWeight(start.cascade, w) }, testIds);
  assert.equal(after.metrics.longLocPx, direct.metrics.longLocPx, 'the test part is read out with the picked weight');
  ops.release(start);
});

test('al-sim adapter with a reference reader (--reader): corrections reveal and the test part is scored against that reader\'s marks; boxes stay around the folder\'s', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const { folderLesions, createAlAdapter, loadStart, fitReaderCalibration, applyCalibration } = await realAdapter(shared);
  const { scaleAxes } = await import('../../src/geometry/recist.ts');
  // A reader who measures every axis 30 % longer than DeepLesion's marks.
  const reference = new Map(folderLesions.map((l) => [l.info.id, scaleAxes(l.recist, 1.3)]));
  const fitted: number[] = [];
  const options = { folderLesions, workDir: '/nonexistent', steps: 0, replay: null, replayFraction: 0, gate: false, evalSeeds: [1], scoreSeed: 1 };
  const plain = createAlAdapter(options);
  const { ops, lesions } = createAlAdapter({
    ...options, reference,
    calibrate: (pairs) => {
      const cal = fitReaderCalibration('site', pairs, { minPairs: 1, prior: 0 });
      fitted.push(cal.longScale);
      return (r) => applyCalibration(r, cal);
    },
  });
  const ids = lesions.map((l) => l.id);
  const [reveal, testIds] = [ids.slice(0, 8), ids.slice(8, 14)];
  // Same boxes (around DL's marks), other reference: box-cross's long-axis length error grows by the reader's 30 %.
  const [vsDl, vsReader] = [await plain.ops.baseline(testIds), await ops.baseline(testIds)];
  assert.ok(vsReader.longLenMm > vsDl.longLenMm + 1, `box-cross long-axis length error vs DL ${vsDl.longLenMm}, vs the reader ${vsReader.longLenMm}`);
  const start = await loadStart();
  const before = await ops.evaluate(start, testIds);
  const ft = await ops.fineTune(start, reveal, { strategy: 'first', round: 1, seed: 1 });
  assert.ok(fitted[0] > 1.15, `the calibration learns the reader's longer axes (long scale ${fitted[0]})`);
  const after = await ops.evaluate(ft.model, testIds);
  assert.ok(after.metrics.longLenMm < before.metrics.longLenMm - 0.5, `long-axis length error vs the reader ${before.metrics.longLenMm} -> ${after.metrics.longLenMm} mm`);
  ops.release(start);
  assert.throws(() => createAlAdapter({ ...options, reference: new Map([...reference].slice(1)) }), /the reference reader has no marks for 1 lesion\(s\)/);
});
