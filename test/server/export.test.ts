import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { buildProgram } from '../../src/cli/program.ts';
import { readDicom } from '../../src/data/dicom.ts';
import { BUILTIN_DICOM } from '../../src/data/synth/placement.ts';
import { dicomDataset } from '../../src/server/datasets.ts';
import { importDeepLesionMarks } from '../../src/server/import.ts';
import { labelToSr } from '../../src/pacs/sr.ts';
import { readSourceImage } from '../../src/pacs/source.ts';
import { LabelStore, parseLabelsCsv } from '../../src/server/store.ts';
import { requireSharedData } from '../helpers/shared-data.ts';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'recist-export-'));
type Item = Record<string, any>;
const find = (items: Item[], meaning: string): Item | undefined => items.find((i) => i.ConceptNameCodeSequence?.[0]?.CodeMeaning === meaning);

test('DICOM SR (TID 1500 + TID 300 bidirectional) references the source image; lengths in mm; SCOORD = pixel + 0.5', () => {
  const slice = readDicom(BUILTIN_DICOM);
  const final = { long: [{ x: 100, y: 200 }, { x: 140, y: 230 }], short: [{ x: 114, y: 224 }, { x: 126, y: 208 }] } as const;
  const bytes = labelToSr({
    id: 'abc', lesionId: 'x', dataset: 'dicom:t', reader: 'alice', time: '2025-01-02T03:04:05.000Z', modelVersion: 'm1', original: null,
    final: { long: [...final.long], short: [...final.short] }, box: null, status: 'accepted', spacing: slice.spacing!,
  }, readSourceImage(BUILTIN_DICOM));
  const msg = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(msg.dict) as Item;
  assert.equal(ds.Modality, 'SR');
  assert.equal(ds.SOPClassUID, '1.2.840.10008.5.1.4.1.1.88.22');
  assert.equal(ds.StudyInstanceUID, slice.dicom.studyInstanceUid);
  assert.equal(ds.ContentTemplateSequence[0].TemplateIdentifier, '1500');
  const evidence = ds.CurrentRequestedProcedureEvidenceSequence[0].ReferencedSeriesSequence[0].ReferencedSOPSequence[0];
  assert.equal(evidence.ReferencedSOPInstanceUID, slice.dicom.sopInstanceUid);
  const measurements = find(ds.ContentSequence, 'Imaging Measurements')!;
  const group = measurements.ContentSequence[0];
  const long = find(group.ContentSequence, 'Long Axis')!, short = find(group.ContentSequence, 'Short Axis')!;
  const sp = slice.spacing!;
  assert.ok(Math.abs(Number(long.MeasuredValueSequence[0].NumericValue) - Math.hypot(40 * sp.x, 30 * sp.y)) < 1e-3);
  assert.ok(Math.abs(Number(short.MeasuredValueSequence[0].NumericValue) - Math.hypot(12 * sp.x, 16 * sp.y)) < 1e-3);
  assert.equal(long.MeasuredValueSequence[0].MeasurementUnitsCodeSequence[0].CodeValue, 'mm');
  const scoord = long.ContentSequence[0];
  assert.equal(scoord.GraphicType, 'POLYLINE');
  assert.deepEqual([...scoord.GraphicData].map(Number), [100.5, 200.5, 140.5, 230.5]);
  assert.equal(scoord.ContentSequence[0].ReferencedSOPSequence[0].ReferencedSOPInstanceUID, slice.dicom.sopInstanceUid);
  assert.throws(() => labelToSr({ id: 'z', lesionId: 'x', dataset: 'd', reader: 'a', time: 't', modelVersion: null, original: null, final: null, box: null, status: 'skipped', spacing: null }, readSourceImage(BUILTIN_DICOM)), /only accepted/);
});

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

test('CLI: readers add/list/token; labels export csv|json|sr', async () => {
  const dir = tmp();
  try {
    const added = await cli(['readers', 'add', 'carol', '--labels', dir]);
    const token = /token: (\S+)/.exec(added)?.[1];
    assert.ok(token);
    const store = await LabelStore.open(dir);
    assert.equal(store.authenticate(token)?.name, 'carol');
    assert.match(await cli(['readers', 'list', '--labels', dir]), /^carol\tcreated .*\t0 labels\tadmin$/m);
    const rotated = /token: (\S+)/.exec(await cli(['readers', 'token', 'carol', '--labels', dir]))?.[1];
    assert.ok(rotated && rotated !== token);

    // a label on the built-in DICOM, exported as SR through the CLI
    const dataset = dicomDataset(BUILTIN_DICOM);
    const lesion = dataset.lesions[0];
    await store.addLabel({
      lesionId: lesion.id, dataset: dataset.id, reader: 'carol', modelVersion: 'm1', original: null, box: null, status: 'accepted', spacing: lesion.spacing,
      final: { long: [{ x: 100, y: 200 }, { x: 140, y: 230 }], short: [{ x: 114, y: 224 }, { x: 126, y: 208 }] },
    });
    const csvPath = join(dir, 'out.csv');
    await cli(['labels', 'export', '--format', 'csv', '--labels', dir, '--out', csvPath]);
    assert.deepEqual(parseLabelsCsv(readFileSync(csvPath, 'utf8')), (await LabelStore.open(dir)).labels());
    await cli(['labels', 'export', '--format', 'json', '--labels', dir, '--out', join(dir, 'out.json')]);
    assert.equal(JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')).labels.length, 1);
    const srDir = join(dir, 'sr');
    assert.match(await cli(['labels', 'export', '--format', 'sr', '--labels', dir, '--data', BUILTIN_DICOM, '--out', srDir]), /1 SR files/);
    assert.equal(readdirSync(srDir).length, 1);
  } finally { rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }); }
});

test('DeepLesion marks import as reader DL, once', async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const dir = tmp();
  try {
    const store = await LabelStore.open(dir);
    const n = await importDeepLesionMarks(store, join(shared, 'deeplesion-dev'));
    assert.equal(n, 24);
    assert.equal(await importDeepLesionMarks(store, join(shared, 'deeplesion-dev')), 0);
    const l = store.labels()[0];
    assert.equal(l.reader, 'DL');
    assert.equal(l.dataset, 'deeplesion:deeplesion-dev');
    assert.match(l.lesionId, /^\d{6}_\d{2}_\d{2}_\d{3}#\d$/);
  } finally { rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }); }
});
