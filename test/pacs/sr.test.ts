/**
 * SR export and import on the real dcmqi abdomen CT slices (../shared/data/dicom): every exported SR passes Debian's
 * DICOM validator (dciodvfy, package dicom3tools) with no errors and carries the source image's patient and study
 * attributes; standard codes only; the reader as the observer; one tracking UID per lesion; a corrected label's SR
 * supersedes the earlier one; import-sr reads the marks back within 0.01 px, also from a dcmjs-written SR.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { requireSharedData } from '../helpers/shared-data.ts';
import { buildProgram } from '../../src/cli/program.ts';
import { dicomDataset } from '../../src/server/datasets.ts';
import { LabelStore } from '../../src/server/store.ts';
import { readSourceImage } from '../../src/pacs/source.ts';
import { CODES, labelToSr, lesionTrackingUid, srUids } from '../../src/pacs/sr.ts';
import { currentDocuments, readerFromObserver, srDocumentFromBytes, srDocumentFromJson } from '../../src/pacs/sr-read.ts';
import { importSrDocuments } from '../../src/pacs/sr-import.ts';
import { naturalize, readPart10, denaturalize } from '../../src/pacs/dcmjs.ts';
import type { StoredLabel } from '../../src/server/schemas.ts';
import type { SrDocument } from '../../src/pacs/sr-read.ts';

const DCIODVFY = '/usr/bin/dciodvfy';
const ABDOMEN = ['dcmqi_ct3slice_abdomen_01', 'dcmqi_ct3slice_abdomen_02', 'dcmqi_ct3slice_abdomen_03'];
const marks = (dx: number): NonNullable<StoredLabel['final']> => ({ long: [{ x: 200.25 + dx, y: 210.5 }, { x: 246.75 + dx, y: 238.125 }], short: [{ x: 216.5 + dx, y: 235.25 }, { x: 229.5 + dx, y: 213.75 }] });

async function cli(args: string[]): Promise<string> {
  const lines: string[] = [];
  const log = console.log, err = console.error;
  console.log = (...a: unknown[]) => { lines.push(a.join(' ')); };
  console.error = (...a: unknown[]) => { lines.push(a.join(' ')); };
  try {
    const program = await buildProgram();
    program.exitOverride();
    await program.parseAsync(['node', 'recist', ...args]);
  } finally {
    console.log = log; console.error = err;
  }
  return lines.join('\n');
}

/** Labels as the server saves them: alice accepts abdomen 01 and 02, bob 01, alice corrects 01 later. */
async function labelled(dir: string, folder: string): Promise<{ store: LabelStore; dataset: ReturnType<typeof dicomDataset> }> {
  const dataset = dicomDataset(folder);
  const store = await LabelStore.open(dir);
  const base = { dataset: dataset.id, modelVersion: 'm1', original: null, box: null, status: 'accepted' as const };
  const sp = (id: string) => dataset.lesion(id)!.spacing;
  await store.addLabel({ ...base, lesionId: ABDOMEN[0], reader: 'alice', final: marks(0), spacing: sp(ABDOMEN[0]), time: '2026-01-02T03:04:05.000Z' });
  await store.addLabel({ ...base, lesionId: ABDOMEN[1], reader: 'alice', final: marks(3), spacing: sp(ABDOMEN[1]), time: '2026-01-02T03:05:05.000Z' });
  await store.addLabel({ ...base, lesionId: ABDOMEN[0], reader: 'bob', final: marks(1), spacing: sp(ABDOMEN[0]), time: '2026-01-02T03:06:05.000Z' });
  await store.addLabel({ ...base, lesionId: ABDOMEN[0], reader: 'alice', final: marks(2), spacing: sp(ABDOMEN[0]), time: '2026-01-02T03:07:05.123Z' });
  return { store, dataset };
}

test('labels export --format sr: dciodvfy finds no errors, patient and study of the image, standard codes, observer, tracking, supersession', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  assert.ok(existsSync(DCIODVFY), `${DCIODVFY} missing: apt-get install dicom3tools (.ci/run installs it)`);
  const folder = join(shared, 'dicom');
  const dir = mkdtempSync(join(tmpdir(), 'recist-sr-'));
  try {
    const { store } = await labelled(dir, folder);
    const out = join(dir, 'sr');
    assert.match(await cli(['labels', 'export', '--format', 'sr', '--labels', dir, '--data', folder, '--out', out]), /3 SR files/);
    const files = readdirSync(out).sort();
    assert.deepEqual(files, [`${ABDOMEN[0]}_alice.dcm`, `${ABDOMEN[0]}_bob.dcm`, `${ABDOMEN[1]}_alice.dcm`]);
    const image = readSourceImage(join(folder, `${ABDOMEN[0]}.dcm`));
    assert.equal(image.patient.PatientID, '99000'); // the source has them
    const docs: SrDocument[] = [];
    for (const f of files) {
      const path = join(out, f);
      const r = spawnSync(DCIODVFY, [path], { encoding: 'utf8' });
      const report = `${r.stdout}${r.stderr}`;
      assert.doesNotMatch(report, /^Error/m, `${f}: dciodvfy errors:\n${report}`);
      assert.doesNotMatch(report, /Missing attribute|Retired Person Name form - \(0x0040,0xa123\)|99dcmjs|Unrecognized defined term/i, `${f}:\n${report}`);
      const ds = naturalize(readPart10(new Uint8Array(readFileSync(path)), f).dict);
      for (const k of ['PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'StudyDate', 'StudyTime', 'StudyID', 'AccessionNumber', 'StudyInstanceUID']) {
        assert.deepEqual(ds[k], image.patient[k] ?? image.study[k] ?? (k === 'StudyInstanceUID' ? image.studyInstanceUid : undefined), `${f}: ${k}`);
      }
      assert.equal((ds.PatientName as { Alphabetic: string }[])[0].Alphabetic, 'JANCT000');
      assert.equal(ds.StudyDate, '20030417');
      const text = JSON.stringify(ds);
      assert.doesNotMatch(text, /99dcmjs|"99[A-Z]/, 'private coding schemes');
      assert.match(text, new RegExp(CODES.longAxis.CodeValue));
      docs.push(srDocumentFromBytes(new Uint8Array(readFileSync(path)), path));
    }
    const byName = Object.fromEntries(files.map((f, i) => [f, docs[i]]));
    const alice0 = byName[`${ABDOMEN[0]}_alice.dcm`], bob0 = byName[`${ABDOMEN[0]}_bob.dcm`], alice1 = byName[`${ABDOMEN[1]}_alice.dcm`];
    assert.equal(alice0.observer, 'alice^');
    assert.equal(readerFromObserver(alice0.observer), 'alice');
    // one tracking UID per lesion, whoever measured it; another lesion another UID
    assert.equal(alice0.measurements[0].trackingUid, bob0.measurements[0].trackingUid);
    assert.equal(alice0.measurements[0].trackingUid, lesionTrackingUid(store.labels()[0].dataset, ABDOMEN[0]));
    assert.notEqual(alice0.measurements[0].trackingUid, alice1.measurements[0].trackingUid);
    // alice's correction supersedes her first SR of the lesion
    const first = store.labels()[0];
    assert.deepEqual(alice0.predecessors, [srUids(first, image.studyInstanceUid).sopInstanceUid]);
    assert.equal(alice0.seriesInstanceUid, srUids(first, image.studyInstanceUid).seriesInstanceUid, 'a reader\'s SRs of a study share a series');
    assert.equal(alice0.time, '2026-01-02T03:07:05.123Z');
    // marks back within 0.01 px
    const m = alice0.measurements[0];
    assert.equal(m.sopInstanceUid, image.sopInstanceUid);
    const want = marks(2);
    [...m.recist.long, ...m.recist.short].forEach((p, i) => {
      const q = [...want.long, ...want.short][i];
      assert.ok(Math.abs(p.x - q.x) < 0.01 && Math.abs(p.y - q.y) < 0.01, `point ${i}: ${JSON.stringify(p)} vs ${JSON.stringify(q)}`);
    });
    // exporting again writes the same SRs (same UIDs), no new copies
    await cli(['labels', 'export', '--format', 'sr', '--labels', dir, '--data', folder, '--out', out]);
    assert.equal(readdirSync(out).length, 3);
    assert.equal(srDocumentFromBytes(new Uint8Array(readFileSync(join(out, files[0]))), 'again').sopInstanceUid, docs[0].sopInstanceUid);

    // import-sr into a fresh store: the current measurements, as labels of their observers
    const dir2 = mkdtempSync(join(tmpdir(), 'recist-sr-import-'));
    try {
      const report = await cli(['labels', 'import-sr', out, '--labels', dir2, '--data', folder]);
      assert.match(report, /3 measurements imported from 3 SR\(s\)/);
      const imported = (await LabelStore.open(dir2)).labels();
      const a0 = imported.find((l) => l.reader === 'alice' && l.lesionId === ABDOMEN[0])!;
      assert.ok(Math.abs(a0.final!.long[0].x - want.long[0].x) < 0.01);
      assert.equal(a0.time, '2026-01-02T03:07:05.123Z');
      assert.match(await cli(['labels', 'import-sr', out, '--labels', dir2, '--data', folder]), /0 measurements imported .* 3 already there/);
    } finally {
      rmSync(dir2, { recursive: true, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('import-sr reads a dcmjs-written TID 1500 bidirectional SR (as OHIF writes), and supersession drops the older document', (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const file = join(shared, 'dicom', `${ABDOMEN[2]}.dcm`);
  const image = readSourceImage(file);
  const { TID1500MeasurementReport, TID1501MeasurementGroup } = dcmjs.utilities.TID1500;
  const { Bidirectional } = dcmjs.utilities.TID300;
  const bi = new Bidirectional({
    longAxis: { point1: { x: 100.5, y: 120.5 }, point2: { x: 150.5, y: 140.5 } }, shortAxis: { point1: { x: 120.5, y: 140.5 }, point2: { x: 130.5, y: 120.5 } },
    longAxisLength: 40, shortAxisLength: 20, unit: 'mm',
    ReferencedSOPSequence: { ReferencedSOPClassUID: image.sopClassUid, ReferencedSOPInstanceUID: image.sopInstanceUid },
    trackingIdentifierTextValue: 'cornerstoneTools@^4.0.0:Bidirectional', trackingUniqueIdentifier: '1.2.3.4.5',
  });
  const report = new TID1500MeasurementReport({ TID1501MeasurementGroups: [new TID1501MeasurementGroup([bi])] });
  const src = { StudyInstanceUID: image.studyInstanceUid, SeriesInstanceUID: image.seriesInstanceUid, Modality: 'CT', _meta: {}, _vrMap: { PixelData: 'OW' } };
  const sr = new dcmjs.derivations.StructuredReport([src]);
  const ds = Object.assign(sr.dataset, report.contentItem(src, { PersonName: 'Doe^Jane' })) as Record<string, unknown>;
  const doc = srDocumentFromJson(denaturalize(ds), 'dcmjs SR');
  assert.equal(doc.measurements.length, 1);
  assert.equal(readerFromObserver(doc.observer), 'Doe.Jane');
  const m = doc.measurements[0];
  assert.equal(m.sopInstanceUid, image.sopInstanceUid);
  assert.deepEqual(m.recist, { long: [{ x: 100, y: 120 }, { x: 150, y: 140 }], short: [{ x: 120, y: 140 }, { x: 130, y: 120 }] });
  assert.match(m.trackingUid ?? '', /^[0-9.]+$/); // dcmjs writes its own tracking UID
  const newer = { ...doc, sopInstanceUid: '1.2.9', predecessors: [doc.sopInstanceUid] };
  assert.deepEqual(currentDocuments([doc, newer]).map((d) => d.sopInstanceUid), ['1.2.9']);
});

test('malformed SRs: clear errors naming the file and field; nothing is imported', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const folder = join(shared, 'dicom');
  const file = join(folder, `${ABDOMEN[0]}.dcm`);
  const image = readSourceImage(file);
  const dataset = dicomDataset(folder);
  const label: StoredLabel = {
    id: 'l1', lesionId: ABDOMEN[0], dataset: dataset.id, reader: 'alice', time: '2026-01-02T03:04:05.000Z', modelVersion: null, original: null,
    final: marks(0), box: null, status: 'accepted', spacing: dataset.lesion(ABDOMEN[0])!.spacing,
  };
  const good = readPart10(labelToSr(label, image), 'good');
  const tamper = (f: (ds: Record<string, any>) => void): Record<string, any> => {
    const ds = naturalize(JSON.parse(JSON.stringify(good.dict))) as Record<string, any>;
    f(ds);
    return denaturalize(ds) as Record<string, any>;
  };
  const group = (ds: Record<string, any>) => ds.ContentSequence.find((c: any) => c.ConceptNameCodeSequence[0].CodeValue === '126010').ContentSequence[0];
  assert.throws(() => srDocumentFromJson(tamper((ds) => { group(ds).ContentSequence[3].ContentSequence[0].GraphicData = [1, 2, 3]; }) as never, 'bad.dcm'),
    /bad\.dcm: measurement group 1 long axis: field GraphicData is \[1,2,3\]/);
  assert.throws(() => srDocumentFromJson(tamper((ds) => { group(ds).ContentSequence.splice(4, 1); }) as never, 'half.dcm'), /half\.dcm: .*long axis but no short axis/);
  assert.throws(() => srDocumentFromJson(tamper((ds) => { ds.SOPClassUID = image.sopClassUid; }) as never, 'ct.dcm'), /ct\.dcm: field SOPClassUID .* not a Basic\/Enhanced\/Comprehensive SR/);
  const dir = mkdtempSync(join(tmpdir(), 'recist-sr-bad-'));
  try {
    writeFileSync(join(dir, 'junk.dcm'), new Uint8Array([1, 2, 3, 4]));
    const store = join(dir, 'labels');
    await assert.rejects(cli(['labels', 'import-sr', join(dir, 'junk.dcm'), '--labels', store, '--data', folder]), /junk\.dcm: not a readable DICOM Part 10 file/);
    assert.equal((await LabelStore.open(store)).labels().length, 0);
    // marks outside the image: refused before anything is written
    const outside = srDocumentFromJson(tamper((ds) => { group(ds).ContentSequence[3].ContentSequence[0].GraphicData = [5000, 1, 10, 10]; }) as never, 'far.dcm');
    const s = await LabelStore.open(store);
    await assert.rejects(importSrDocuments(s, dataset, [outside]), /far\.dcm: a mark \(4999\.5, 0\.5\) lies outside image/);
    assert.equal(s.labels().length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  void execFileSync;
});
