/** A minimal NIfTI-1 writer for tests: int16 or uint8 voxels, an sform affine (row-major 3×4), optional gzip. */
import { gzipSync } from 'node:zlib';

export interface NiftiSpec {
  readonly dims: readonly number[];
  readonly values: ArrayLike<number>;
  readonly datatype?: 'int16' | 'uint8';
  /** Voxel → world RAS mm, rows x, y, z of [a, b, c, t] (default diag(pixdim)). */
  readonly sform?: readonly (readonly [number, number, number, number])[];
  readonly pixdim?: readonly number[];
  readonly slope?: number;
  readonly inter?: number;
  readonly gzip?: boolean;
}

export function niftiBytes(s: NiftiSpec): Uint8Array {
  const type = s.datatype ?? 'int16';
  const bytesPer = type === 'int16' ? 2 : 1;
  const n = s.values.length;
  const buf = Buffer.alloc(352 + n * bytesPer);
  buf.writeInt32LE(348, 0);
  const dims = [s.dims.length, ...s.dims, ...Array(7 - s.dims.length).fill(1)];
  dims.forEach((d, i) => buf.writeInt16LE(d, 40 + 2 * i));
  buf.writeInt16LE(type === 'int16' ? 4 : 2, 70);
  buf.writeInt16LE(bytesPer * 8, 72);
  const pixdim = s.pixdim ?? [1, 1, 1];
  [1, ...pixdim, ...Array(7 - pixdim.length).fill(1)].forEach((p, i) => buf.writeFloatLE(p, 76 + 4 * i));
  buf.writeFloatLE(352, 108);
  buf.writeFloatLE(s.slope ?? 1, 112);
  buf.writeFloatLE(s.inter ?? 0, 116);
  const sform = s.sform ?? [[pixdim[0], 0, 0, 0], [0, pixdim[1], 0, 0], [0, 0, pixdim[2], 0]];
  buf.writeInt16LE(0, 252);
  buf.writeInt16LE(1, 254);
  sform.forEach((row, r) => row.forEach((v, c) => buf.writeFloatLE(v, 280 + 16 * r + 4 * c)));
  buf.write('n+1\0', 344, 'latin1');
  for (let i = 0; i < n; i++) {
    if (type === 'int16') buf.writeInt16LE(s.values[i], 352 + 2 * i);
    else buf.writeUInt8(s.values[i], 352 + i);
  }
  return s.gzip ? gzipSync(buf) : buf;
}
