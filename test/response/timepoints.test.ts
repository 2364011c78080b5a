import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignTimepoints, deepLesionStudy, normalizeStudyDate, studyFromPath } from '../../src/response/timepoints.ts';

test('studies are ordered by date, then by order, per patient; baseline is 0', () => {
  const tp = assignTimepoints([
    { patient: 'A', study: 'uid-3', date: '20200301' },
    { patient: 'A', study: 'uid-1', date: '2019-12-30' },
    { patient: 'A', study: 'uid-2', date: '20200115' },
    { patient: 'B', study: '10', order: 10 },
    { patient: 'B', study: '2', order: 2 },
    { patient: 'A', study: 'uid-1', date: '20191230' }, // the same study again (another lesion): fine
  ]);
  assert.deepEqual(['uid-1', 'uid-2', 'uid-3'].map((s) => tp('A', s)), [0, 1, 2]);
  assert.deepEqual([tp('B', '2'), tp('B', '10')], [0, 1]);
  assert.throws(() => tp('C', '1'), /patient C study 1: not among the studies given/);
  assert.throws(() => assignTimepoints([{ patient: 'A', study: 's', date: '20200101' }, { patient: 'A', study: 's', date: '20200102' }]), /two dates/);
  assert.throws(() => normalizeStudyDate('2020-13-01', 'StudyDate'), /StudyDate "2020-13-01" is not a date/);
});

test('DeepLesion studies and the NIfTI folder convention', () => {
  assert.deepEqual(deepLesionStudy({ patientIndex: 69, studyIndex: 3 }), { patient: '000069', study: '3', order: 3 });
  assert.deepEqual(studyFromPath('data/P01/20210412_ct/liver.nii.gz'), { patient: 'P01', study: '20210412_ct', date: '20210412' });
  assert.throws(() => studyFromPath('P01/followup/liver.nii.gz'), /study folder "followup" does not start with its date YYYYMMDD/);
});
