/**
 * Against a real Orthanc (Debian's orthanc + orthanc-dicomweb, started here on a free port with a temp storage
 * folder; the dev DICOMs uploaded through its REST API; everything else through DICOMweb only): the worklist comes
 * from Orthanc, a non-CT series is skipped, an accepted label's SR lands under the same patient and study as its
 * image (checked through Orthanc's REST API), a correction supersedes it, import-sr reads the marks back within
 * 0.01 px; a 401, a server that is down and one that does not answer give clear errors, and the SR waits in the
 * outbox until the server is back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireSharedData } from '../helpers/shared-data.ts';
import { fileBytes, freePort, skipOrthanc, startOrthanc } from '../helpers/orthanc.ts';
import { createDicomwebClient, DicomwebError } from '../../src/pacs/dicomweb.ts';
import { openDicomwebDataset } from '../../src/pacs/datastore.ts';
import { createSrOutbox } from '../../src/pacs/sr-outbox.ts';
import { importSrDocuments } from '../../src/pacs/sr-import.ts';
import { naturalize, readPart10, denaturalize, writePart10 } from '../../src/pacs/dcmjs.ts';
import { uidFromNames } from '../../src/pacs/uid.ts';
import { LabelStore } from '../../src/server/store.ts';

const ABDOMEN = ['dcmqi_ct3slice_abdomen_01', 'dcmqi_ct3slice_abdomen_02', 'dcmqi_ct3slice_abdomen_03'];

test('DICOMweb round trip against Orthanc: worklist, SR under the same patient and study, supersession, import-sr, outbox', { skip: skipOrthanc }, async (t) => {
  const shared = requireSharedData(t);
  if (!shared) return;
  const orthanc = await startOrthanc();
  const dir = mkdtempSync(join(tmpdir(), 'recist-dicomweb-'));
  try {
    for (const f of ABDOMEN) await orthanc.upload(fileBytes(join(shared, 'dicom', `${f}.dcm`)));
    // an MR copy of one slice in its own series of the same study: not CT, skipped
    const mr = readPart10(fileBytes(join(shared, 'dicom', `${ABDOMEN[0]}.dcm`)), 'mr');
    const ds = naturalize(mr.dict);
    Object.assign(ds, { Modality: 'MR', SOPClassUID: '1.2.840.10008.5.1.4.1.1.4', SeriesInstanceUID: uidFromNames('mr-series'), SOPInstanceUID: uidFromNames('mr-sop') });
    const meta = naturalize(mr.meta);
    Object.assign(meta, { MediaStorageSOPClassUID: ds.SOPClassUID, MediaStorageSOPInstanceUID: ds.SOPInstanceUID });
    await orthanc.upload(writePart10(meta, ds));
    void denaturalize;

    const auth = { user: orthanc.user, password: orthanc.password };
    const client = createDicomwebClient({ url: orthanc.dicomweb, auth, timeoutMs: 10_000 });
    const warnings: string[] = [];
    const dataset = await openDicomwebDataset({ client, cacheDir: join(dir, 'cache'), warn: (m) => warnings.push(m) });
    assert.equal(dataset.lesions.length, 3, 'one worklist entry per CT slice');
    assert.ok(warnings.some((w) => /is MR, not CT: skipped/.test(w)), warnings.join('\n'));
    const lesion = dataset.lesions[0];
    assert.equal(dataset.slice(lesion.sliceRef).width, lesion.width);
    assert.equal(readdirSync(join(dir, 'cache'))[0].length, 12, 'instances cached on disk');

    const store = await LabelStore.open(join(dir, 'labels'));
    const outbox = createSrOutbox({ dataset, labels: () => store.labels(), dir: join(dir, 'labels', 'sr-outbox') });
    const final = { long: [{ x: 180.25, y: 200.5 }, { x: 230.75, y: 228.125 }], short: [{ x: 200.5, y: 226.25 }, { x: 210.5, y: 202.75 }] } as const;
    const label = await store.addLabel({
      lesionId: lesion.id, dataset: dataset.id, reader: 'alice', modelVersion: 'm1', original: null, box: null, status: 'accepted', spacing: lesion.spacing,
      final: { long: [{ ...final.long[0] }, { ...final.long[1] }], short: [{ ...final.short[0] }, { ...final.short[1] }] },
    });
    const r = await outbox.labelSaved(label);
    assert.equal(r?.stored, true, r?.message);
    // through Orthanc's own REST API: the SR is in the image's study, under the image's patient
    const image = dataset.source(lesion.sliceRef);
    const found = await orthanc.rest<string[]>('/tools/find', { method: 'POST', body: JSON.stringify({ Level: 'Instance', Query: { SOPInstanceUID: r!.sopInstanceUid } }) });
    assert.equal(found.length, 1);
    const srTags = await orthanc.rest<Record<string, string>>(`/instances/${found[0]}/simplified-tags`);
    const imageId = (await orthanc.rest<string[]>('/tools/find', { method: 'POST', body: JSON.stringify({ Level: 'Instance', Query: { SOPInstanceUID: image.sopInstanceUid } }) }))[0];
    const srStudy = await orthanc.rest<{ ID: string }>(`/instances/${found[0]}/study`), imageStudy = await orthanc.rest<{ ID: string }>(`/instances/${imageId}/study`);
    const srPatient = await orthanc.rest<{ ID: string }>(`/instances/${found[0]}/patient`), imagePatient = await orthanc.rest<{ ID: string }>(`/instances/${imageId}/patient`);
    assert.equal(srStudy.ID, imageStudy.ID);
    assert.equal(srPatient.ID, imagePatient.ID);
    assert.equal(srTags.PatientID, '99000');
    assert.equal(srTags.PatientName, 'JANCT000');
    assert.equal(srTags.StudyDate, '20030417');
    assert.equal(srTags.Modality, 'SR');

    // a correction supersedes the first SR
    const corrected = await store.addLabel({ ...label, final: { ...label.final!, long: [{ x: 181, y: 200.5 }, label.final!.long[1]] } });
    assert.equal((await outbox.labelSaved(corrected))?.stored, true);

    // import-sr through DICOMweb: the current SR only, marks within 0.01 px
    const again = await openDicomwebDataset({ client, cacheDir: join(dir, 'cache2') });
    assert.equal(again.srDocuments.length, 2);
    assert.equal(again.lesions.filter((l) => l.id.includes('#sr')).length, 1, 'the current SR measurement is a lesion to re-measure');
    const store2 = await LabelStore.open(join(dir, 'labels2'));
    const rep = await importSrDocuments(store2, again, again.srDocuments);
    assert.equal(rep.added, 1);
    assert.equal(rep.superseded, 1);
    const back = store2.labels()[0];
    assert.equal(back.reader, 'alice');
    assert.equal(back.lesionId, lesion.id);
    [...back.final!.long, ...back.final!.short].forEach((p, i) => {
      const q = [...corrected.final!.long, ...corrected.final!.short][i];
      assert.ok(Math.abs(p.x - q.x) < 0.01 && Math.abs(p.y - q.y) < 0.01, `point ${i}`);
    });

    // 401: no credentials
    const anon = createDicomwebClient({ url: orthanc.dicomweb, retries: 0 });
    await assert.rejects(anon.searchStudies(), (e: unknown) => e instanceof DicomwebError && e.status === 401 && /needs credentials; set RECIST_DICOMWEB_TOKEN/.test(e.message));
    const wrong = createDicomwebClient({ url: orthanc.dicomweb, auth: { user: orthanc.user, password: 'nope-secret' }, retries: 0 });
    await assert.rejects(wrong.searchStudies(), (e: unknown) => e instanceof DicomwebError && e.status === 401 && !e.message.includes('nope-secret'));

    // the PACS down: the SR waits in the outbox, the label is kept; back up: it is sent
    const deadUrl = `http://127.0.0.1:${await freePort()}/dicom-web`;
    const dead = createDicomwebClient({ url: deadUrl, retries: 1, retryDelayMs: 10, timeoutMs: 2000 });
    await assert.rejects(dead.searchStudies(), /unreachable for the study search \(QIDO-RS\): ECONNREFUSED \(2 tries\)/);
    const downBox = createSrOutbox({ dataset: { ...dataset, client: dead }, labels: () => store.labels(), dir: join(dir, 'outbox-down'), retryMs: 60_000 });
    const third = await store.addLabel({ ...label, lesionId: dataset.lesions[1].id, spacing: dataset.lesions[1].spacing });
    const queued = await downBox.labelSaved(third);
    assert.equal(queued?.stored, false);
    assert.match(queued!.message, /label saved; SR not yet in the PACS, kept and sent again later: .*unreachable/);
    assert.equal(downBox.pending(), 1);
    downBox.close();
    const upBox = createSrOutbox({ dataset, labels: () => store.labels(), dir: join(dir, 'outbox-down'), retryMs: 60_000 });
    assert.equal(await upBox.flush(), 0);
    const stored = await orthanc.rest<string[]>('/tools/find', { method: 'POST', body: JSON.stringify({ Level: 'Instance', Query: { SOPInstanceUID: queued!.sopInstanceUid } }) });
    assert.equal(stored.length, 1);
    upBox.close();
    outbox.close();
  } finally {
    await orthanc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a DICOMweb server that does not answer: a timeout error after the retries, naming the request', async () => {
  const silent = createServer(() => { /* never answers */ });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  const port = (silent.address() as { port: number }).port;
  const retries: string[] = [];
  try {
    const c = createDicomwebClient({ url: `http://127.0.0.1:${port}/dicom-web`, timeoutMs: 200, retries: 2, retryDelayMs: 10, log: (m) => retries.push(m) });
    await assert.rejects(c.searchSeries('1.2.3'), /no answer to the series search of study 1\.2\.3 \(QIDO-RS\) within 0\.2 s \(3 tries\)/);
    assert.equal(retries.length, 2);
  } finally {
    silent.closeAllConnections();
    await new Promise<void>((r) => silent.close(() => r()));
  }
  assert.throws(() => createDicomwebClient({ url: 'http://u:secret@pacs/dicom-web' }), (e: Error) => /carries credentials/.test(e.message) && !e.message.includes('secret'));
});
