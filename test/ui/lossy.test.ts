import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lesionLine, lossyFlag } from '../../src/ui/lossy.ts';

test('lossy flag: a badge and a status-bar note for lossy slices, nothing for lossless ones', () => {
  const why = 'JPEG 2000 (1.2.840.10008.1.2.4.91) codestream: irreversible wavelet';
  assert.deepEqual(lossyFlag(why), { text: 'LOSSY', title: `Lossy-compressed image, HU approximate: ${why}` });
  for (const none of [null, undefined, '']) assert.equal(lossyFlag(none), null);
  assert.equal(lesionLine('L1', 'CT · a.dcm', why), 'L1 — CT · a.dcm · LOSSY image (HU approximate)');
  assert.equal(lesionLine('L1', 'CT · a.dcm', null), 'L1 — CT · a.dcm');
});
