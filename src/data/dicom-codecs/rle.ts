/**
 * DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header (segment count, 15 offsets), then one PackBits segment
 * per byte plane, most significant byte first. Decoding gives little-endian samples, one frame at a time;
 * the encoder writes what the standard's encoder does (used to build RLE test files from real CT).
 */

/** Decodes one RLE frame of `pixels` samples of `bytesPerSample` bytes (grayscale) to little-endian bytes. */
export function decodeRleFrame(frame: Uint8Array, pixels: number, bytesPerSample: number): Uint8Array {
  if (frame.length < 64) throw new Error(`RLE frame has ${frame.length} bytes, shorter than its 64-byte header`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segments = view.getUint32(0, true);
  if (segments !== bytesPerSample) throw new Error(`RLE header has ${segments} segments, expected ${bytesPerSample} (one per byte of a sample)`);
  const out = new Uint8Array(pixels * bytesPerSample);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : frame.length;
    if (start < 64 || end > frame.length || end < start) throw new Error(`RLE segment ${s} offsets ${start}..${end} outside the frame's ${frame.length} bytes`);
    // segment 0 holds the most significant byte; little-endian output puts it last
    const lane = bytesPerSample - 1 - s;
    let i = start;
    let n = 0;
    while (n < pixels && i < end) {
      const c = frame[i++];
      if (c < 128) {
        const len = c + 1;
        if (i + len > end) throw new Error(`RLE segment ${s}: literal run of ${len} bytes at ${i - 1} overruns the segment`);
        for (let k = 0; k < len && n < pixels; k++) out[n++ * bytesPerSample + lane] = frame[i + k];
        i += len;
      } else if (c > 128) {
        const len = 257 - c;
        if (i >= end) throw new Error(`RLE segment ${s}: replicate run at ${i - 1} has no byte`);
        const v = frame[i++];
        for (let k = 0; k < len && n < pixels; k++) out[n++ * bytesPerSample + lane] = v;
      }
      // c === 128: no-op
    }
    if (n < pixels) throw new Error(`RLE segment ${s} decodes to ${n} of ${pixels} pixels (truncated)`);
  }
  return out;
}

function packBits(plane: Uint8Array): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < plane.length) {
    let run = 1;
    while (i + run < plane.length && run < 128 && plane[i + run] === plane[i]) run++;
    if (run >= 3) {
      out.push(257 - run, plane[i]);
      i += run;
      continue;
    }
    let j = i;
    while (j < plane.length && j - i < 128) {
      if (j + 2 < plane.length && plane[j] === plane[j + 1] && plane[j] === plane[j + 2]) break;
      j++;
    }
    out.push(j - i - 1);
    for (let k = i; k < j; k++) out.push(plane[k]);
    i = j;
  }
  if (out.length % 2) out.push(128);
  return out;
}

/** Encodes one grayscale frame of little-endian samples as a DICOM RLE frame. */
export function encodeRleFrame(samples: Uint8Array, pixels: number, bytesPerSample: number): Uint8Array {
  if (samples.length !== pixels * bytesPerSample) throw new Error(`RLE encode: ${samples.length} bytes for ${pixels} pixels of ${bytesPerSample} bytes`);
  const segs: number[][] = [];
  for (let s = 0; s < bytesPerSample; s++) {
    const lane = bytesPerSample - 1 - s;
    const plane = new Uint8Array(pixels);
    for (let n = 0; n < pixels; n++) plane[n] = samples[n * bytesPerSample + lane];
    segs.push(packBits(plane));
  }
  const out = new Uint8Array(64 + segs.reduce((a, s) => a + s.length, 0));
  const view = new DataView(out.buffer);
  view.setUint32(0, segs.length, true);
  let at = 64;
  segs.forEach((seg, s) => {
    view.setUint32(4 + 4 * s, at, true);
    out.set(seg, at);
    at += seg.length;
  });
  return out;
}
