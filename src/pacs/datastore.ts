/**
 * A worklist from a DICOMweb server: the CT series of the chosen studies (QIDO-RS), their instances fetched once
 * with WADO-RS into a disk cache and decoded through the project's DICOM reader, one worklist entry per slice
 * (neighbours = the series, ordered along the slice normal) as for a DICOM folder, plus one entry per current
 * bidirectional measurement of an SR in those studies (a lesion to re-measure: its rough box is the marks' extent
 * grown 1.5×, and a new SR of it keeps the measurement's Tracking Unique Identifier).
 *
 * Series that are not CT (nor SR) are skipped with a warning naming them; an SR that does not parse is skipped with
 * a warning naming it; so is an instance that does not decode. Slice ids are SOP Instance UIDs.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Box } from '../geometry/types.ts';
import type { CtSlice, DicomSlice } from '../data/types.ts';
import { decodeDicom, slicePosition } from '../data/dicom.ts';
import { LruCache } from '../data/deeplesion.ts';
import { writeFileAtomic } from '../data/png16.ts';
import { datasetFromMaps, type Dataset, type LesionItem } from '../server/datasets.ts';
import { jsonString, type DicomJson } from './dcmjs.ts';
import type { DicomwebClient } from './dicomweb.ts';
import { sourceImageFromBytes, type SourceImage } from './source.ts';
import { currentDocuments, srDocumentFromBytes, type SrDocument } from './sr-read.ts';
import { isDicomUid } from './uid.ts';

export interface DicomwebDatasetOptions {
  readonly client: DicomwebClient;
  /** Instances are cached under `<cacheDir>/<server hash>/` as `<SOP Instance UID>.dcm`. */
  readonly cacheDir: string;
  /** Study Instance UIDs to load (default: the first `limit` studies the server lists). */
  readonly studies?: readonly string[];
  readonly limit?: number;
  readonly neighbours?: number;
  readonly warn?: (m: string) => void;
  readonly log?: (m: string) => void;
}

export interface DicomwebDataset extends Dataset {
  readonly client: DicomwebClient;
  /** Patient/study modules and identifiers of a slice (for SRs). */
  source(sliceId: string): SourceImage;
  /** The SR documents found in the studies (all, superseded ones included). */
  readonly srDocuments: readonly SrDocument[];
}

/** Dataset id of a DICOMweb server: `dicomweb:<host><path>`. */
export const dicomwebDatasetId = (url: string): string => {
  const u = new URL(url);
  return `dicomweb:${u.host}${u.pathname.replace(/\/+$/, '')}`;
};

const TAG = { modality: '00080060', study: '0020000D', series: '0020000E', sop: '00080018' } as const;

/** Runs `fn` on the items, `n` at a time. */
async function pool<T, R>(items: readonly T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  }));
  return out;
}

export async function openDicomwebDataset(opts: DicomwebDatasetOptions): Promise<DicomwebDataset> {
  const { client } = opts;
  const warn = opts.warn ?? (() => {}), log = opts.log ?? (() => {});
  const k = opts.neighbours ?? 8;
  const cache = join(opts.cacheDir, createHash('sha1').update(client.url).digest('hex').slice(0, 12));
  mkdirSync(cache, { recursive: true });
  const fetchInstance = async (study: string, series: string, sop: string): Promise<Uint8Array> => {
    if (!isDicomUid(sop)) throw new Error(`instance ${JSON.stringify(sop)}: not a DICOM UID`);
    const file = join(cache, `${sop}.dcm`);
    if (existsSync(file)) return new Uint8Array(readFileSync(file));
    const bytes = await client.retrieveInstance(study, series, sop);
    writeFileAtomic(file, bytes);
    return bytes;
  };

  let studies: string[];
  if (opts.studies?.length) studies = [...opts.studies];
  else {
    const found = await client.searchStudies({ limit: String(opts.limit ?? 20) });
    studies = found.map((s) => jsonString(s, TAG.study)).filter(isDicomUid);
  }
  for (const s of studies) if (!isDicomUid(s)) throw new Error(`--dicomweb-study ${JSON.stringify(s)}: not a Study Instance UID`);
  if (studies.length === 0) throw new Error(`DICOMweb server ${client.url}: no studies`);

  const slices: { id: string; slice: DicomSlice; source: SourceImage }[] = [];
  const srDocuments: SrDocument[] = [];
  for (const study of studies) {
    const series = await client.searchSeries(study);
    if (series.length === 0) warn(`study ${study}: not on ${client.url} (no series)`);
    for (const se of series) {
      const seriesUid = jsonString(se, TAG.series);
      const modality = jsonString(se, TAG.modality);
      if (!isDicomUid(seriesUid)) continue;
      if (modality !== 'CT' && modality !== 'SR') {
        warn(`series ${seriesUid} of study ${study} is ${modality ?? 'of no modality'}, not CT: skipped`);
        continue;
      }
      const instances = (await client.searchInstances(study, seriesUid)).map((i) => jsonString(i, TAG.sop)).filter(isDicomUid);
      log(`${modality} series ${seriesUid}: ${instances.length} instance(s)`);
      await pool(instances, 4, async (sop) => {
        const name = `${client.url} instance ${sop}`;
        let bytes: Uint8Array;
        try {
          bytes = await fetchInstance(study, seriesUid, sop);
        } catch (err) {
          warn(`${name}: not fetched (${err instanceof Error ? err.message : String(err)})`);
          return;
        }
        try {
          if (modality === 'SR') srDocuments.push(srDocumentFromBytes(bytes, name));
          else slices.push({ id: sop, slice: decodeDicom(bytes, name), source: sourceImageFromBytes(bytes, name) });
        } catch (err) {
          warn(`${name}: skipped (${err instanceof Error ? err.message : String(err)})`);
        }
      });
    }
  }
  if (slices.length === 0) throw new Error(`DICOMweb server ${client.url}: no readable CT images in ${studies.length} stud${studies.length === 1 ? 'y' : 'ies'}`);

  const bySeries = new Map<string, typeof slices>();
  for (const r of slices) {
    const key = `${r.source.seriesInstanceUid}|${r.slice.width}x${r.slice.height}`;
    bySeries.set(key, [...(bySeries.get(key) ?? []), r]);
  }
  const lesions: LesionItem[] = [];
  const byId = new Map(slices.map((r) => [r.id, r] as const));
  const stackOf = new Map<string, { stack: string[]; keyIndex: number }>();
  for (const group of bySeries.values()) {
    group.sort((a, b) => (slicePosition(a.slice) ?? 0) - (slicePosition(b.slice) ?? 0) || a.id.localeCompare(b.id));
    group.forEach((r, i) => {
      const stack = group.slice(Math.max(0, i - k), i + k + 1).map((g) => g.id);
      stackOf.set(r.id, { stack, keyIndex: stack.indexOf(r.id) });
      lesions.push({
        id: r.id, sliceRef: r.id, stack, keyIndex: stack.indexOf(r.id), width: r.slice.width, height: r.slice.height,
        spacing: r.slice.spacing, window: r.slice.window, reference: null, dicom: r.slice.dicom,
        title: `CT · ${String(r.source.patient.PatientID ?? '')} · series ${r.slice.dicom.instanceNumber ?? ''}`.replace(/ · $/, ''),
      });
    });
  }
  // current SR measurements on these images: lessons to re-measure
  const perSlice = new Map<string, number>();
  for (const doc of currentDocuments(srDocuments)) {
    for (const m of doc.measurements) {
      const r = byId.get(m.sopInstanceUid);
      if (!r) continue;
      const n = (perSlice.get(r.id) ?? 0) + 1;
      perSlice.set(r.id, n);
      const pts = [...m.recist.long, ...m.recist.short];
      const xs = pts.map((p) => p.x), ys = pts.map((p) => p.y);
      const cx = (Math.min(...xs) + Math.max(...xs)) / 2, cy = (Math.min(...ys) + Math.max(...ys)) / 2;
      const hw = Math.max(2, 0.75 * (Math.max(...xs) - Math.min(...xs))), hh = Math.max(2, 0.75 * (Math.max(...ys) - Math.min(...ys)));
      const box: Box = {
        x1: Math.max(0, cx - hw), y1: Math.max(0, cy - hh), x2: Math.min(r.slice.width - 1, cx + hw), y2: Math.min(r.slice.height - 1, cy + hh),
      };
      const st = stackOf.get(r.id)!;
      lesions.push({
        id: `${r.id}#sr${n}`, sliceRef: r.id, stack: st.stack, keyIndex: st.keyIndex, width: r.slice.width, height: r.slice.height,
        spacing: r.slice.spacing, window: r.slice.window, reference: null, dicom: r.slice.dicom, box,
        tracking: m.trackingUid ? { uid: m.trackingUid, identifier: m.trackingIdentifier } : null,
        title: `re-measure · ${m.trackingIdentifier ?? 'lesion'} · measured by ${doc.observer ?? 'unknown'}`,
      });
    }
  }
  const huCache = new LruCache<string, CtSlice>(32);
  const base = datasetFromMaps(dicomwebDatasetId(client.url), 'dicom', lesions, (id) => huCache.get(id, () => {
    const r = byId.get(id);
    if (!r) throw new Error(`unknown slice id ${JSON.stringify(id)}`);
    return decodeDicom(new Uint8Array(readFileSync(join(cache, `${id}.dcm`))), `${client.url} instance ${id}`);
  }), byId.keys());
  return {
    ...base, client, srDocuments,
    source(id) {
      const r = byId.get(id);
      if (!r) throw new Error(`unknown slice id ${JSON.stringify(id)}`);
      return r.source;
    },
  };
}

/** Study/series of an instance from QIDO, for callers with a SOP Instance UID only. */
export function instanceUids(json: DicomJson): { study: string | null; series: string | null; sop: string | null } {
  return { study: jsonString(json, TAG.study), series: jsonString(json, TAG.series), sop: jsonString(json, TAG.sop) };
}
