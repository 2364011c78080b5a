/**
 * One accuracy table over several evaluations (`recist eval` results: real dev lesions, an LIDC split part, synthetic
 * lesions): per set and method, the four errors in px, the relative error (mean long-axis location error ÷ mean
 * reference long-axis length, which lets sets of different lesion sizes be compared), each method's long-axis figures
 * as a multiple of box-cross's on the same boxes, the paired interval against box-cross (patients resampled), and the
 * long-axis location error per lesion-size bin.
 */
import { pairedDifferences } from './paired.ts';
import { DL_READER, findSummary, type EvalResult } from './run.ts';

export interface NamedResult {
  readonly name: string;
  readonly result: EvalResult;
}

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');
const BOX_CROSS = 'box-cross';
/** Lesion-size bins by the reference long axis, mm. */
export const SIZE_BINS_MM: readonly (readonly [number, number])[] = [[0, 10], [10, 20], [20, 30], [30, Infinity]];

/** Mean long-axis location error ÷ mean reference long-axis length (px / px), over a result's lesions. */
export function relativeError(result: EvalResult, method: string): number {
  const s = findSummary(result, method, DL_READER);
  if (!s) return Number.NaN;
  const meanLen = result.lesions.reduce((a, l) => a + l.longPx, 0) / result.lesions.length;
  return s.axes.long.locPx.mean / meanLen;
}

export function accuracyMarkdown(sets: readonly NamedResult[]): string {
  const lines = [
    '| set | method | long Loc. px | long Len. px | short Loc. px | short Len. px | relative error | long Loc. ÷ box-cross | long Len. ÷ box-cross | long Loc. − box-cross, px [95 % CI] |',
    '| :-- | :-- | --: | --: | --: | --: | --: | --: | --: | :-- |',
  ];
  for (const { name, result } of sets) {
    const cross = findSummary(result, BOX_CROSS, DL_READER);
    for (const m of result.methods) {
      const s = findSummary(result, m.name, DL_READER);
      if (!s) continue;
      const diff = m.name === BOX_CROSS ? null : pairedDifferences(result, m.name, BOX_CROSS).find((d) => d.figure === 'long loc');
      lines.push(`| ${name} (${result.lesions.length}) | ${m.name} | ${f2(s.axes.long.locPx.mean)} | ${f2(s.axes.long.lenPx.mean)} | ${f2(s.axes.short.locPx.mean)} | ${f2(s.axes.short.lenPx.mean)} | ${relativeError(result, m.name).toFixed(3)} | ${cross ? f2(s.axes.long.locPx.mean / cross.axes.long.locPx.mean) : '-'} | ${cross ? f2(s.axes.long.lenPx.mean / cross.axes.long.lenPx.mean) : '-'} | ${diff ? `${f2(diff.meanDiff)} [${f2(diff.interval[0])}, ${f2(diff.interval[1])}]` : '-'} |`);
    }
  }
  return lines.join('\n');
}

/** Long-axis location error (px, mean) per reference long-axis size bin (mm; lesions without spacing are left out). */
export function sizeBinsMarkdown(sets: readonly NamedResult[]): string {
  const head = SIZE_BINS_MM.map(([a, b]) => (b === Infinity ? `≥ ${a} mm` : `${a}–${b} mm`));
  const lines = [`| set | method | ${head.join(' | ')} |`, `| :-- | :-- | ${head.map(() => '--:').join(' | ')} |`];
  for (const { name, result } of sets) {
    const mmOf = new Map(result.lesions.map((l) => [l.id, l.longPx * l.spacing.x]));
    for (const m of result.methods) {
      const items = result.comparisons.find((c) => c.row === m.name && c.column === DL_READER)?.items ?? [];
      const cells = SIZE_BINS_MM.map(([lo, hi]) => {
        const inBin = items.filter((it) => { const mm = mmOf.get(it.id) ?? NaN; return mm >= lo && mm < hi; });
        return inBin.length ? `${f2(inBin.reduce((a, it) => a + it.cmp.long.locPx, 0) / inBin.length)} (${inBin.length})` : '-';
      });
      lines.push(`| ${name} | ${m.name} | ${cells.join(' | ')} |`);
    }
  }
  return lines.join('\n');
}
