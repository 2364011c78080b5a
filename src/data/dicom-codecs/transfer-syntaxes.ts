/**
 * The DICOM transfer syntaxes a CT may arrive in, what decodes each, and whether it can lose information.
 * `lossy`: `always` (DCT JPEG), `never` (lossless by definition), `maybe` (the codestream says: JPEG 2000 and
 * HTJ2K with the irreversible wavelet, JPEG-LS with NEAR > 0).
 */

/** How the pixel data of a syntax is stored and decoded. */
export type PixelCodec =
  | 'native' // uncompressed, read in place
  | 'deflate' // uncompressed, the whole data set deflated (node:zlib)
  | 'rle' // RLE Lossless (own PackBits decoder, src/data/dicom-codecs/rle.ts)
  | 'jpeg-lossless' // JPEG process 14 (daikon's jpeg-lossless-decoder)
  | 'jpeg' // JPEG baseline / extended (libjpeg-turbo 8-bit; 12-bit extended via daikon)
  | 'jpeg-ls' // CharLS
  | 'jpeg2000' // OpenJPEG
  | 'htj2k'; // OpenJPH

export interface TransferSyntax {
  readonly uid: string;
  readonly name: string;
  readonly codec: PixelCodec;
  readonly lossy: 'never' | 'maybe' | 'always';
  /** Big-endian byte order of native pixel data. */
  readonly bigEndian?: boolean;
  /** Data set encoded with implicit VR. */
  readonly implicitVr?: boolean;
}

const list: TransferSyntax[] = [
  { uid: '1.2.840.10008.1.2', name: 'Implicit VR Little Endian', codec: 'native', lossy: 'never', implicitVr: true },
  { uid: '1.2.840.10008.1.2.1', name: 'Explicit VR Little Endian', codec: 'native', lossy: 'never' },
  { uid: '1.2.840.10008.1.2.2', name: 'Explicit VR Big Endian', codec: 'native', lossy: 'never', bigEndian: true },
  { uid: '1.2.840.10008.1.2.1.99', name: 'Deflated Explicit VR Little Endian', codec: 'deflate', lossy: 'never' },
  { uid: '1.2.840.10008.1.2.5', name: 'RLE Lossless', codec: 'rle', lossy: 'never' },
  { uid: '1.2.840.10008.1.2.4.50', name: 'JPEG Baseline (Process 1)', codec: 'jpeg', lossy: 'always' },
  { uid: '1.2.840.10008.1.2.4.51', name: 'JPEG Extended (Process 2 & 4)', codec: 'jpeg', lossy: 'always' },
  { uid: '1.2.840.10008.1.2.4.57', name: 'JPEG Lossless (Process 14)', codec: 'jpeg-lossless', lossy: 'never' },
  { uid: '1.2.840.10008.1.2.4.70', name: 'JPEG Lossless SV1 (Process 14, Selection Value 1)', codec: 'jpeg-lossless', lossy: 'never' },
  { uid: '1.2.840.10008.1.2.4.80', name: 'JPEG-LS Lossless', codec: 'jpeg-ls', lossy: 'never' },
  { uid: '1.2.840.10008.1.2.4.81', name: 'JPEG-LS Near-Lossless', codec: 'jpeg-ls', lossy: 'maybe' },
  { uid: '1.2.840.10008.1.2.4.90', name: 'JPEG 2000 Lossless', codec: 'jpeg2000', lossy: 'never' },
  { uid: '1.2.840.10008.1.2.4.91', name: 'JPEG 2000', codec: 'jpeg2000', lossy: 'maybe' },
  { uid: '1.2.840.10008.1.2.4.201', name: 'HTJ2K Lossless', codec: 'htj2k', lossy: 'never' },
  { uid: '1.2.840.10008.1.2.4.202', name: 'HTJ2K Lossless RPCL', codec: 'htj2k', lossy: 'never' },
  { uid: '1.2.840.10008.1.2.4.203', name: 'HTJ2K', codec: 'htj2k', lossy: 'maybe' },
];

/** Every transfer syntax that decodes, by UID. */
export const TRANSFER_SYNTAXES: ReadonlyMap<string, TransferSyntax> = new Map(list.map((t) => [t.uid, t]));

/** Known syntaxes that do not hold CT pixel data we can read (video), for clearer messages. */
export const UNSUPPORTED_SYNTAXES: Readonly<Record<string, string>> = {
  '1.2.840.10008.1.2.4.100': 'MPEG2 Main Profile', '1.2.840.10008.1.2.4.101': 'MPEG2 High Profile',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264', '1.2.840.10008.1.2.4.103': 'MPEG-4 AVC/H.264 BD',
  '1.2.840.10008.1.2.4.107': 'HEVC/H.265', '1.2.840.10008.1.2.4.108': 'HEVC/H.265 Main 10',
  '1.2.840.10008.1.2.4.92': 'JPEG 2000 Part 2 Multi-component Lossless', '1.2.840.10008.1.2.4.93': 'JPEG 2000 Part 2 Multi-component',
  '1.2.840.10008.1.2.4.94': 'JPIP Referenced', '1.2.840.10008.1.2.4.95': 'JPIP Referenced Deflate',
};

/** The syntax's name for messages ("JPEG 2000 (1.2.840.10008.1.2.4.91)"), also for unknown UIDs. */
export function syntaxLabel(uid: string): string {
  const name = TRANSFER_SYNTAXES.get(uid)?.name ?? UNSUPPORTED_SYNTAXES[uid] ?? 'unknown';
  return `${name} (${uid})`;
}
