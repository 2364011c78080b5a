/**
 * The parts of dcmjs the PACS code uses, typed (dcmjs ships no types; src/server/dcmjs.d.ts types the rest). DICOM
 * data sets here are in the DICOM JSON model (PS3.18 F.2: `{ "00100010": { vr: "PN", Value: [...] } }`), which is
 * both what dcmjs reads files into and what QIDO-RS / WADO-RS metadata answer, and "naturalized" (keyword keys).
 */
import dcmjs from 'dcmjs';

/** A data set in the DICOM JSON model. */
export type DicomJson = Record<string, { vr: string; Value?: unknown[]; InlineBinary?: string; BulkDataURI?: string }>;
/** A naturalized data set: attribute keywords as keys (dcmjs). */
export type Natural = Record<string, unknown>;

interface DcmjsData {
  DicomMessage: {
    readFile(buffer: ArrayBuffer, options?: { ignoreErrors?: boolean; untilTag?: string | null; includeUntilTagValue?: boolean }): { meta: DicomJson; dict: DicomJson };
  };
  DicomDict: new (meta: DicomJson) => { dict: DicomJson; write(): ArrayBuffer };
  DicomMetaDictionary: { naturalizeDataset(ds: DicomJson): Natural; denaturalizeDataset(ds: Natural): DicomJson };
}

const data = dcmjs.data as unknown as DcmjsData;

function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** Reads a Part 10 file's data set (up to, not including, the pixel data when `headersOnly`). Throws naming `name`. */
export function readPart10(bytes: Uint8Array, name: string, opts: { headersOnly?: boolean } = {}): { meta: DicomJson; dict: DicomJson } {
  try {
    return data.DicomMessage.readFile(arrayBufferOf(bytes), {
      ignoreErrors: false, untilTag: opts.headersOnly ? '7FE00010' : null, includeUntilTagValue: false,
    });
  } catch (err) {
    throw new Error(`${name}: not a readable DICOM Part 10 file (${err instanceof Error ? err.message : String(err)})`);
  }
}

export const naturalize = (ds: DicomJson): Natural => data.DicomMetaDictionary.naturalizeDataset(ds);
export const denaturalize = (ds: Natural): DicomJson => data.DicomMetaDictionary.denaturalizeDataset(ds);

/** A Part 10 file from naturalized file meta and data set. */
export function writePart10(meta: Natural, dataset: Natural): Uint8Array {
  const dict = new data.DicomDict(denaturalize(meta));
  dict.dict = denaturalize(dataset);
  return new Uint8Array(dict.write());
}

/** The first value of an attribute of a DICOM JSON data set as a string (PN: its alphabetic group), else null. */
export function jsonString(ds: DicomJson, tag: string): string | null {
  const v = ds[tag]?.Value?.[0];
  if (v === undefined || v === null) return null;
  if (v instanceof String) return v.valueOf().trim() || null;
  if (typeof v === 'object' && 'Alphabetic' in (v as object)) return String((v as { Alphabetic?: unknown }).Alphabetic ?? '') || null;
  const s = String(v).trim();
  return s === '' ? null : s;
}
