/**
 * `recist inspect <path>`: what a DeepLesion folder, DICOM file/folder or PNG holds (size, spacing, HU range,
 * lesions with lengths in px and mm), and optionally overlays of the RECIST marks for visual checking.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { openDeepLesionFolder, recordLengths } from '../../data/deeplesion.ts';
import { readDicomSeriesReport } from '../../data/dicom.ts';
import { huStats, readImage } from '../../data/image.ts';
import { contactSheet, encodeRgbPng, renderOverlay, type RgbImage } from '../../data/overlay.ts';
import { writeFileAtomic } from '../../data/png16.ts';
import { LESION_TYPE_NAMES, type CtSlice, type DicomSlice, type HuWindow, type LesionRecord } from '../../data/types.ts';
import { parseWindow } from '../../data/window.ts';
import { isMaskFolder } from '../../data/mask-lesions.ts';
import { isNiftiName } from '../../data/nifti.ts';
import { inspectMaskFolder, inspectNiftiFile } from '../inspect-nifti.ts';

/** Options of {@link inspectPath}. */
export interface InspectOptions {
  /** Overlay output: a PNG file for a single image, a directory for a folder input. */
  readonly overlay?: string;
  /** Display window for overlays (default: each image's own window). */
  readonly window?: HuWindow;
  /** Window an 8-bit PNG/JPEG export was made with. */
  readonly exportWindow?: HuWindow;
}

/** What inspect found: printable lines and the overlay files it wrote. */
export interface InspectReport {
  readonly kind: 'deeplesion' | 'dicom-series' | 'image' | 'nifti' | 'mask-folder';
  readonly lines: string[];
  readonly written: string[];
}

const f1 = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : String(v));
const f2 = (v: number): string => v.toFixed(2);

function describeSlice(s: CtSlice): string {
  const st = huStats(s.hu);
  const sp = s.spacing ? `${s.spacing.x.toFixed(4)}x${s.spacing.y.toFixed(4)} mm/px` : 'spacing unknown';
  const win = s.window ? `, window ${s.window.center}/${s.window.width}` : '';
  return `${s.width}x${s.height}, ${sp}${win}, HU min ${f1(st.min)} max ${f1(st.max)} mean ${f1(st.mean)}${st.nan ? `, ${st.nan} NaN` : ''}`;
}

/** Median HU sampled along a segment (nearest pixel, 65 samples). */
function medianAlong(s: CtSlice, r: LesionRecord): number {
  const [a, b] = r.recist.long;
  const v: number[] = [];
  for (let i = 0; i <= 64; i++) {
    const x = Math.round(a.x + ((b.x - a.x) * i) / 64), y = Math.round(a.y + ((b.y - a.y) * i) / 64);
    if (x >= 0 && y >= 0 && x < s.width && y < s.height) v.push(s.hu[y * s.width + x]);
  }
  v.sort((p, q) => p - q);
  return v.length ? v[Math.floor(v.length / 2)] : Number.NaN;
}

function ensureDir(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new Error(`${dir}: --overlay must be a directory for a folder input`);
  mkdirSync(dir, { recursive: true });
}

/** A zoomed crop around one lesion (for contact sheets). */
function lesionCrop(s: CtSlice, r: LesionRecord, window: HuWindow | undefined): RgbImage {
  const { long } = r.recist;
  const center = { x: (long[0].x + long[1].x) / 2, y: (long[0].y + long[1].y) / 2 };
  const size = Math.max(48, Math.ceil(3 * recordLengths(r).longPx));
  const zoom = Math.max(1, Math.min(8, Math.round(192 / size)));
  return renderOverlay(s, [{ recist: r.recist }], { window, crop: { center, size }, zoom });
}

function inspectDeepLesion(dir: string, opts: InspectOptions): InspectReport {
  const folder = openDeepLesionFolder(dir);
  const lines = [`DeepLesion folder ${dir}: ${folder.records.length} lesions`];
  const written: string[] = [];
  const bySlice = new Map<string, LesionRecord[]>();
  for (const r of folder.records) bySlice.set(r.fileName, [...(bySlice.get(r.fileName) ?? []), r]);
  lines.push(`${bySlice.size} key slices`);
  if (opts.overlay) ensureDir(opts.overlay);
  const crops: RgbImage[] = [];
  for (const [fileName, recs] of bySlice) {
    const s = folder.slice(recs[0]);
    lines.push(`${fileName}: ${describeSlice(s)}, ${recs.length} lesion(s)`);
    for (const r of recs) {
      const L = recordLengths(r);
      const type = LESION_TYPE_NAMES[r.lesionType] ?? `type ${r.lesionType}`;
      lines.push(
        `  ${folder.lesionId(r)} (row ${r.row}) ${type}: long ${f2(L.longPx)} px = ${f2(L.longMm)} mm, short ${f2(L.shortPx)} px = ${f2(L.shortMm)} mm, ` +
          `median HU on long axis ${f1(medianAlong(s, r))}${r.possiblyNoisy ? ', possibly noisy' : ''}`,
      );
    }
    if (opts.overlay) {
      const out = join(opts.overlay, fileName);
      writeFileAtomic(out, encodeRgbPng(renderOverlay(s, recs.map((r) => ({ recist: r.recist })), { window: opts.window })));
      written.push(out);
      for (const r of recs) crops.push(lesionCrop(s, r, opts.window));
    }
  }
  if (opts.overlay && crops.length) {
    const out = join(opts.overlay, 'contact-sheet.png');
    writeFileAtomic(out, encodeRgbPng(contactSheet(crops, 6)));
    written.push(out);
  }
  return { kind: 'deeplesion', lines, written };
}

function inspectDicomFolder(dir: string, opts: InspectOptions): InspectReport {
  const { slices: series, skipped } = readDicomSeriesReport(dir);
  const first = series[0].dicom;
  const lines = [`DICOM series ${dir}: ${series.length} slice(s), SeriesInstanceUID ${first.seriesInstanceUid ?? 'none'}`];
  for (const s of skipped) lines.push(`skipped ${s.error}`);
  const lossy = series.filter((s) => s.dicom.lossy);
  if (lossy.length) lines.push(`LOSSY: ${lossy.length} of ${series.length} slice(s) were lossy-compressed, HU approximate (${lossy[0].dicom.lossy})`);
  const written: string[] = [];
  if (opts.overlay) ensureDir(opts.overlay);
  series.forEach((s, i) => {
    const z = s.dicom.imagePositionPatient?.[2];
    lines.push(`${basename(s.source)}: #${s.dicom.instanceNumber ?? '?'} z ${z ?? '?'}: ${describeSlice(s)}`);
    if (opts.overlay) {
      const out = join(opts.overlay, `${String(i).padStart(4, '0')}_${basename(s.source).replace(/\.[^.]*$/, '')}.png`);
      writeFileAtomic(out, encodeRgbPng(renderOverlay(s, [], { window: opts.window })));
      written.push(out);
    }
  });
  return { kind: 'dicom-series', lines, written };
}

function inspectFile(path: string, opts: InspectOptions): InspectReport {
  const s = readImage(path, { exportWindow: opts.exportWindow });
  const lines = [`${path}: ${describeSlice(s)}`];
  if ('dicom' in s) {
    const d = (s as DicomSlice).dicom;
    lines.push(`  DICOM ${d.modality ?? '?'} transfer syntax ${d.transferSyntaxUid}, SOPInstanceUID ${d.sopInstanceUid ?? 'none'}, padding pixels ${d.paddingPixels}`);
    if (d.numberOfFrames > 1) lines.push(`  ${d.numberOfFrames} frames (frame 1 shown)`);
    if (d.lossy) lines.push(`  LOSSY: HU approximate (${d.lossy})`);
  }
  const written: string[] = [];
  if (opts.overlay) {
    writeFileAtomic(opts.overlay, encodeRgbPng(renderOverlay(s, [], { window: opts.window })));
    written.push(opts.overlay);
  }
  return { kind: 'image', lines, written };
}

/** Inspects a DeepLesion folder (has DL_info.csv), a DICOM folder, or one image file. */
export function inspectPath(path: string, opts: InspectOptions = {}): InspectReport {
  if (!existsSync(path)) throw new Error(`${path}: no such file or folder`);
  if (statSync(path).isDirectory()) {
    if (existsSync(join(path, 'DL_info.csv'))) return inspectDeepLesion(path, opts);
    if (isMaskFolder(path)) return inspectMaskFolder(path, opts);
    const volumes = readdirSync(path).filter(isNiftiName).sort();
    if (volumes.length) {
      if (opts.overlay) ensureDir(opts.overlay);
      const reports = volumes.map((f) => {
        try {
          return inspectNiftiFile(join(path, f), { window: opts.window, overlay: opts.overlay ? join(opts.overlay, `${f.replace(/\.nii(\.gz)?$/i, '')}.png`) : undefined });
        } catch (e) {
          return { lines: [`skipped ${f}: ${(e as Error).message}`], written: [] };
        }
      });
      return { kind: 'nifti', lines: [`NIfTI folder ${path}: ${volumes.length} volume(s)`, ...reports.flatMap((r) => r.lines)], written: reports.flatMap((r) => r.written) };
    }
    return inspectDicomFolder(path, opts);
  }
  return isNiftiName(path) ? inspectNiftiFile(path, opts) : inspectFile(path, opts);
}

export function register(program: Command): void {
  program
    .command('inspect')
    .description('show what a DeepLesion folder, DICOM file/folder, NIfTI volume/folder, mask folder or PNG holds; optionally write RECIST overlays')
    .argument('<path>', 'DeepLesion folder (with DL_info.csv), DICOM file or folder, NIfTI file or folder, mask folder (image/ + masks, imagesTr/ + labelsTr/), or PNG')
    .option('--overlay <out>', 'overlay PNG (single image) or output directory (folder: one PNG per key slice + contact-sheet.png)')
    .option('--window <preset>', 'display window: soft-tissue, lung, liver, bone, deeplesion, or center,width')
    .option('--export-window <center,width>', 'window an 8-bit PNG/JPEG export was made with (to recover HU)')
    .action((path: string, o: { overlay?: string; window?: string; exportWindow?: string }) => {
      try {
        const report = inspectPath(path, {
          overlay: o.overlay,
          window: o.window ? parseWindow(o.window) : undefined,
          exportWindow: o.exportWindow ? parseWindow(o.exportWindow) : undefined,
        });
        for (const line of report.lines) console.log(line);
        for (const file of report.written) console.log(`wrote ${file}`);
      } catch (err) {
        console.error(`recist inspect: ${err instanceof Error ? err.message : String(err)}`);
        process.exitCode = 1;
      }
    });
}
