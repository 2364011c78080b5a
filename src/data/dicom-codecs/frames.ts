/**
 * Frames of encapsulated (compressed) pixel data: which fragments make up frame k. Uses the Basic Offset Table
 * when it has one entry per frame, else one fragment per frame, else the fragments that start a codestream
 * (JPEG family FFD8, JPEG 2000 / HTJ2K FF4F); a single frame is all fragments.
 */
import type { DataSet, Element } from 'dicom-parser';

/** Bytes of one fragment list, concatenated (a view when there is only one fragment). */
function concat(ds: DataSet, frags: readonly { position: number; length: number }[]): Uint8Array {
  const bytes = ds.byteArray as Uint8Array;
  if (frags.length === 1) return bytes.subarray(frags[0].position, frags[0].position + frags[0].length);
  const out = new Uint8Array(frags.reduce((a, f) => a + f.length, 0));
  let at = 0;
  for (const f of frags) {
    out.set(bytes.subarray(f.position, f.position + f.length), at);
    at += f.length;
  }
  return out;
}

/** Compressed bytes of frame `frame` of `numberOfFrames`; throws a plain message (the caller adds file and syntax). */
export function encapsulatedFrame(ds: DataSet, el: Element, frame: number, numberOfFrames: number): Uint8Array {
  const frags = el.fragments ?? [];
  if (!el.encapsulatedPixelData || frags.length === 0) throw new Error('(7FE0,0010) Pixel Data is not encapsulated (no fragments) although the transfer syntax is compressed');
  const end = ds.byteArray.length;
  for (const f of frags) {
    if (f.position + f.length > end) throw new Error(`pixel data fragment at byte ${f.position} has ${f.length} bytes, past the end of the file (${end} bytes; truncated?)`);
  }
  if (numberOfFrames === 1) return concat(ds, frags);
  const bot = el.basicOffsetTable ?? [];
  if (bot.length === numberOfFrames) {
    const lo = bot[frame];
    const hi = frame + 1 < bot.length ? bot[frame + 1] : Infinity;
    const mine = frags.filter((f) => f.offset >= lo && f.offset < hi);
    if (mine.length === 0) throw new Error(`Basic Offset Table entry ${frame} (${lo}) points at no fragment`);
    return concat(ds, mine);
  }
  if (frags.length === numberOfFrames) return concat(ds, [frags[frame]]);
  const bytes = ds.byteArray as Uint8Array;
  const starts = frags.map((f, i) => ({ f, i })).filter(({ f }) => f.length >= 2 && bytes[f.position] === 0xff && (bytes[f.position + 1] === 0xd8 || bytes[f.position + 1] === 0x4f));
  if (starts.length === numberOfFrames) {
    const from = starts[frame].i;
    const to = frame + 1 < starts.length ? starts[frame + 1].i : frags.length;
    return concat(ds, frags.slice(from, to));
  }
  throw new Error(`${frags.length} fragments and a Basic Offset Table of ${bot.length} entries do not split into ${numberOfFrames} frames`);
}
