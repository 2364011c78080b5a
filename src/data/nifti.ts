/**
 * NIfTI-1/2 volumes (CT in HU, label masks), gzip or not, through nifti-reader-js. Every volume is reoriented on
 * reading to the display layout of an axial DICOM series: column index toward the patient's left, row index toward
 * posterior, slice index toward superior (voxel axes permuted and flipped to the nearest world axes of the header's
 * sform, else qform; both absent: the array as stored). So slice z of any volume shows like a radiologist's axial view.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as nifti from 'nifti-reader-js';
import type { CtSlice } from './types.ts';

/** 3D voxel grid, x fastest then y then z, reoriented to the display layout (see the module comment). */
export interface Volume {
  readonly width: number;
  readonly height: number;
  readonly depth: number;
  /** Voxel values after scl_slope/scl_inter (HU for CT), length width·height·depth. */
  readonly data: Float32Array;
  /** mm per voxel along x (columns), y (rows), z (slices). */
  readonly spacing: { readonly x: number; readonly y: number; readonly z: number };
  /** Voxel (i, j, k) of this grid → world RAS+ mm, row-major 4×4. */
  readonly affine: readonly number[];
  readonly source: string;
}

const DATATYPES: Record<number, { name: string; bytes: number; read: (v: DataView, o: number, le: boolean) => number }> = {
  2: { name: 'uint8', bytes: 1, read: (v, o) => v.getUint8(o) },
  4: { name: 'int16', bytes: 2, read: (v, o, le) => v.getInt16(o, le) },
  8: { name: 'int32', bytes: 4, read: (v, o, le) => v.getInt32(o, le) },
  16: { name: 'float32', bytes: 4, read: (v, o, le) => v.getFloat32(o, le) },
  64: { name: 'float64', bytes: 8, read: (v, o, le) => v.getFloat64(o, le) },
  256: { name: 'int8', bytes: 1, read: (v, o) => v.getInt8(o) },
  512: { name: 'uint16', bytes: 2, read: (v, o, le) => v.getUint16(o, le) },
  768: { name: 'uint32', bytes: 4, read: (v, o, le) => v.getUint32(o, le) },
};

function toArrayBuffer(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** Reads a NIfTI file (.nii or .nii.gz, by content) into a reoriented Volume. Errors name the file and the field. */
export function readNifti(path: string): Volume {
  let raw: Uint8Array;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as Error).message})`);
  }
  return parseNifti(raw, path);
}

/** Parses NIfTI bytes (gzip by magic number) into a reoriented Volume; `source` names it in errors. */
export function parseNifti(bytes: Uint8Array, source: string): Volume {
  let buf = toArrayBuffer(bytes);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      buf = toArrayBuffer(gunzipSync(bytes));
    } catch (e) {
      throw new Error(`${source}: gzip stream is corrupt or truncated (${(e as Error).message})`);
    }
  }
  if (buf.byteLength < 348 || !nifti.isNIFTI(buf)) throw new Error(`${source}: not a NIfTI-1/2 file (no "n+1"/"ni1"/"n+2" magic in the header)`);
  const h = nifti.readHeader(buf);
  if (!h) throw new Error(`${source}: NIfTI header could not be read`);
  const ndim = h.dims[0];
  const [nx, ny, nz] = [h.dims[1], h.dims[2], ndim >= 3 ? h.dims[3] : 1];
  if (ndim > 3 && h.dims.slice(4, ndim + 1).some((d: number) => d > 1)) {
    throw new Error(`${source}: field dim is [${h.dims.slice(0, ndim + 1).join(', ')}]: a ${ndim}D image; expected one 3D volume`);
  }
  for (const [name, n] of [['dim[1]', nx], ['dim[2]', ny], ['dim[3]', nz]] as const) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`${source}: field ${name} is ${n}, expected a positive size`);
  }
  const type = DATATYPES[h.datatypeCode];
  if (!type) throw new Error(`${source}: field datatype is ${h.datatypeCode}, not one of ${Object.entries(DATATYPES).map(([k, t]) => `${k} (${t.name})`).join(', ')}`);
  const spacingRaw = [h.pixDims[1], h.pixDims[2], ndim >= 3 ? h.pixDims[3] : 1];
  spacingRaw.forEach((s, i) => {
    if (!Number.isFinite(s) || s <= 0) throw new Error(`${source}: field pixdim[${i + 1}] is ${s}, expected a positive spacing in mm`);
  });
  const n = nx * ny * nz;
  const offset = Math.round(h.vox_offset);
  if (offset + n * type.bytes > buf.byteLength) {
    throw new Error(`${source}: truncated: ${nx}×${ny}×${nz} ${type.name} voxels need ${offset + n * type.bytes} bytes, the file has ${buf.byteLength}`);
  }
  const slope = h.scl_slope && Number.isFinite(h.scl_slope) ? h.scl_slope : 1;
  const inter = Number.isFinite(h.scl_inter) ? h.scl_inter : 0;
  const view = new DataView(buf, offset, n * type.bytes);
  const stored = new Float32Array(n);
  for (let i = 0; i < n; i++) stored[i] = type.read(view, i * type.bytes, h.littleEndian) * slope + inter;
  const hasOrientation = h.sform_code > 0 || h.qform_code > 0;
  const affine = hasOrientation ? (h.affine as number[][]).flat() : [spacingRaw[0], 0, 0, 0, 0, spacingRaw[1], 0, 0, 0, 0, spacingRaw[2], 0, 0, 0, 0, 1];
  affine.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new Error(`${source}: ${h.sform_code > 0 ? 'sform' : 'qform'} entry ${i} is ${v}`);
  });
  return reorient({ width: nx, height: ny, depth: nz, data: stored, spacing: { x: spacingRaw[0], y: spacingRaw[1], z: spacingRaw[2] }, affine, source }, hasOrientation);
}

/**
 * Display layout in world RAS+: columns toward −x (patient left), rows toward −y (posterior), slices toward +z
 * (superior). Without orientation the array is taken as already in that layout.
 */
const TARGET: readonly (readonly [number, number, number])[] = [[-1, 0, 0], [0, -1, 0], [0, 0, 1]];

/** Permutes and flips voxel axes so each output axis follows TARGET's world direction as closely as the header allows. */
export function reorient(v: Volume, hasOrientation: boolean): Volume {
  if (!hasOrientation) return v;
  const a = v.affine;
  const col = (k: number): [number, number, number] => [a[k], a[4 + k], a[8 + k]];
  // For each output axis t, the input axis whose world direction best matches TARGET[t], and its sign.
  const used = new Set<number>();
  const pick = TARGET.map((dir) => {
    let best = -1, bestDot = 0;
    for (let k = 0; k < 3; k++) {
      if (used.has(k)) continue;
      const c = col(k);
      const norm = Math.hypot(...c) || 1;
      const dot = (c[0] * dir[0] + c[1] * dir[1] + c[2] * dir[2]) / norm;
      if (best < 0 || Math.abs(dot) > Math.abs(bestDot)) { best = k; bestDot = dot; }
    }
    used.add(best);
    return { axis: best, flip: bestDot < 0 };
  });
  const inDims = [v.width, v.height, v.depth];
  const inSpacing = [v.spacing.x, v.spacing.y, v.spacing.z];
  const outDims = pick.map((p) => inDims[p.axis]);
  const identity = pick.every((p, t) => p.axis === t && !p.flip);
  if (identity) return v;
  const inStride = [1, inDims[0], inDims[0] * inDims[1]];
  const out = new Float32Array(v.data.length);
  const [W, H, D] = outDims;
  for (let z = 0; z < D; z++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const o = [x, y, z];
        let src = 0;
        for (let t = 0; t < 3; t++) {
          const i = pick[t].flip ? outDims[t] - 1 - o[t] : o[t];
          src += i * inStride[pick[t].axis];
        }
        out[(z * H + y) * W + x] = v.data[src];
      }
    }
  }
  // New affine: output voxel o → input voxel i (per axis: i = flip ? n−1−o : o) → world.
  const m = Array.from({ length: 16 }, () => 0);
  m[15] = 1;
  for (let r = 0; r < 3; r++) {
    let t = a[r * 4 + 3];
    for (let tOut = 0; tOut < 3; tOut++) {
      const k = pick[tOut].axis;
      const coef = a[r * 4 + k];
      if (pick[tOut].flip) { m[r * 4 + tOut] = -coef; t += coef * (outDims[tOut] - 1); } else m[r * 4 + tOut] = coef;
    }
    m[r * 4 + 3] = t;
  }
  return {
    width: W, height: H, depth: D, data: out, affine: m, source: v.source,
    spacing: { x: inSpacing[pick[0].axis], y: inSpacing[pick[1].axis], z: inSpacing[pick[2].axis] },
  };
}

/** Axial slice z of a volume as a CtSlice (values as stored: HU for CT). */
export function volumeSlice(v: Volume, z: number): CtSlice {
  if (!Number.isInteger(z) || z < 0 || z >= v.depth) throw new Error(`${v.source}: slice ${z} is outside 0..${v.depth - 1}`);
  const n = v.width * v.height;
  return {
    width: v.width, height: v.height,
    hu: v.data.slice(z * n, (z + 1) * n),
    spacing: { x: v.spacing.x, y: v.spacing.y },
    window: null,
    source: `${v.source}#z${z}`,
  };
}

/** Throws unless `mask` lies on the same voxel grid as `image` (sizes equal, affines within 1e-3 mm). */
export function assertSameGrid(image: Volume, mask: Volume): void {
  const a = [image.width, image.height, image.depth], b = [mask.width, mask.height, mask.depth];
  if (a.some((n, i) => n !== b[i])) throw new Error(`${mask.source}: mask grid ${b.join('×')} differs from its image's ${a.join('×')} (${image.source})`);
  const off = image.affine.findIndex((x, i) => Math.abs(x - mask.affine[i]) > 1e-3);
  if (off >= 0) throw new Error(`${mask.source}: mask affine entry ${off} is ${mask.affine[off]}, its image's is ${image.affine[off]} (${image.source}): not the same grid`);
}

/** Whether a file name is a NIfTI volume by its extension. */
export const isNiftiName = (name: string): boolean => /\.nii(\.gz)?$/i.test(name);
