/**
 * Reader-agreement table in the layout of the paper's Table 1.
 *
 * Inputs are named sets of RECIST marks on lesion ids. Sets with role "reader" (DL, R1, R2, simulated or
 * label-store readers) are both rows and reference columns; sets with role "method" (model configurations,
 * baselines) are rows only, compared against every reader. A cell (row r, column c) summarizes, over the
 * lesions both marked, the keypoint location difference (Loc.) and the absolute diameter length difference
 * (Len.) as mean±std; the diagonal is "-". Two parts: long diameter, then short diameter.
 *
 * "Overall" pools the row's per-lesion differences against all the other readers (a reader is not compared with
 * itself) and summarizes the pooled set. With every reader marking the same lesions its mean is the mean of the
 * per-pair means, and its std is the pooled std (within-pair variance + spread of pair means), which reproduces
 * the paper's reader rows: DL long Loc. overall 8.63±10.9 from 8.16±10.2 and 9.10±11.6.
 */
import type { Recist, Spacing } from '../geometry/types.ts';
import { AXES, type AxisComparison, type AxisName, compareRecist, formatMeanStd, type RecistComparison, type Summary, summarize } from './metrics.ts';

export type SetRole = 'reader' | 'method';

/** A named set of RECIST marks keyed by lesion id. */
export interface MarkSet {
  readonly name: string;
  readonly role: SetRole;
  readonly marks: ReadonlyMap<string, Recist>;
}

/** Per-lesion comparisons of one row against one reference column (a = row, b = column). */
export interface PairComparisons {
  readonly row: string;
  readonly column: string;
  readonly items: readonly { readonly id: string; readonly cmp: RecistComparison }[];
}

export type Unit = 'px' | 'mm';

export interface CellStats {
  readonly loc: Summary;
  readonly len: Summary;
}

export interface ReaderTable {
  readonly unit: Unit;
  /** Reference readers (columns), in input order. */
  readonly columns: readonly string[];
  /** Rows: readers first (input order), then methods. */
  readonly rows: readonly { readonly name: string; readonly role: SetRole }[];
  /** cells[axis][row][column]: null on the diagonal or when the two sets share no lesion. */
  readonly cells: Record<AxisName, Record<string, Record<string, CellStats | null>>>;
  readonly overall: Record<AxisName, Record<string, CellStats | null>>;
}

const pick = (c: AxisComparison, unit: Unit, what: 'loc' | 'len'): number | null =>
  unit === 'px' ? (what === 'loc' ? c.locPx : c.lenPx) : what === 'loc' ? c.locMm : c.lenMm;

/**
 * Compares every row set with every reader set on their common lesions. `spacing(id)` gives the row's mm/px
 * (null → mm fields null).
 */
export function pairComparisons(sets: readonly MarkSet[], spacing: (id: string) => Spacing | null = () => null): PairComparisons[] {
  checkNames(sets);
  const readers = sets.filter((s) => s.role === 'reader');
  const out: PairComparisons[] = [];
  for (const row of sets) {
    for (const col of readers) {
      if (col.name === row.name) continue;
      const items: { id: string; cmp: RecistComparison }[] = [];
      for (const [id, a] of row.marks) {
        const b = col.marks.get(id);
        if (b) items.push({ id, cmp: compareRecist(a, b, spacing(id)) });
      }
      out.push({ row: row.name, column: col.name, items });
    }
  }
  return out;
}

function checkNames(sets: readonly { name: string }[]): void {
  const seen = new Set<string>();
  for (const s of sets) {
    if (seen.has(s.name)) throw new Error(`reader table: two mark sets are named ${JSON.stringify(s.name)}; names must be unique`);
    seen.add(s.name);
  }
}

/** Builds the table from marks (computing the comparisons). */
export function buildReaderTable(sets: readonly MarkSet[], opts: { unit?: Unit; spacing?: (id: string) => Spacing | null } = {}): ReaderTable {
  return buildTableFromComparisons(
    sets.map((s) => ({ name: s.name, role: s.role })),
    pairComparisons(sets, opts.spacing),
    opts.unit ?? 'px',
  );
}

/**
 * Builds the table from precomputed per-lesion comparisons (e.g. a method's comparisons averaged over box
 * seeds). `rows` gives names and roles; the columns are the readers.
 */
export function buildTableFromComparisons(
  rows: readonly { name: string; role: SetRole }[],
  pairs: readonly PairComparisons[],
  unit: Unit = 'px',
): ReaderTable {
  checkNames(rows);
  const ordered = [...rows.filter((r) => r.role === 'reader'), ...rows.filter((r) => r.role === 'method')];
  const columns = ordered.filter((r) => r.role === 'reader').map((r) => r.name);
  const byKey = new Map(pairs.map((p) => [`${p.row}\u0000${p.column}`, p]));
  const cells = {} as Record<AxisName, Record<string, Record<string, CellStats | null>>>;
  const overall = {} as Record<AxisName, Record<string, CellStats | null>>;
  for (const axis of AXES) {
    cells[axis] = {};
    overall[axis] = {};
    for (const row of ordered) {
      cells[axis][row.name] = {};
      const pooledLoc: (number | null)[] = [];
      const pooledLen: (number | null)[] = [];
      for (const col of columns) {
        const pair = col === row.name ? undefined : byKey.get(`${row.name}\u0000${col}`);
        if (!pair || pair.items.length === 0) {
          cells[axis][row.name][col] = null;
          continue;
        }
        const loc = pair.items.map((it) => pick(it.cmp[axis], unit, 'loc'));
        const len = pair.items.map((it) => pick(it.cmp[axis], unit, 'len'));
        pooledLoc.push(...loc);
        pooledLen.push(...len);
        cells[axis][row.name][col] = { loc: summarize(loc), len: summarize(len) };
      }
      overall[axis][row.name] = pooledLoc.length ? { loc: summarize(pooledLoc), len: summarize(pooledLen) } : null;
    }
  }
  return { unit, columns, rows: ordered, cells, overall };
}

const AXIS_TITLE: Record<AxisName, string> = { long: 'Long diameter', short: 'Short diameter' };

const cellText = (c: CellStats | null | undefined, what: 'loc' | 'len'): string => (c && c[what].n > 0 ? formatMeanStd(c[what]) : '-');

/** The table as rows of strings: header, then per axis a title row and one row per reader/method. */
export function tableGrid(table: ReaderTable): string[][] {
  const header = ['Reader', ...[...table.columns, 'Overall'].flatMap((c) => [`${c} Loc.`, `${c} Len.`])];
  const grid: string[][] = [header];
  for (const axis of AXES) {
    grid.push([AXIS_TITLE[axis], ...header.slice(1).map(() => '')]);
    for (const row of table.rows) {
      const line = [row.name];
      for (const col of table.columns) {
        const c = table.cells[axis][row.name][col];
        line.push(cellText(c, 'loc'), cellText(c, 'len'));
      }
      const o = table.overall[axis][row.name];
      line.push(cellText(o, 'loc'), cellText(o, 'len'));
      grid.push(line);
    }
  }
  return grid;
}

/** Markdown, in the paper's layout (two header rows would not render in markdown: "DL Loc." style headers). */
export function renderMarkdown(table: ReaderTable, caption?: string): string {
  const grid = tableGrid(table);
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const lines: string[] = [];
  if (caption) lines.push(caption, '');
  lines.push(`| ${grid[0].map(esc).join(' | ')} |`, `|${grid[0].map((_, i) => (i === 0 ? ' :-- ' : ' :-: ')).join('|')}|`);
  for (const row of grid.slice(1)) {
    const isTitle = row.slice(1).every((c) => c === '');
    lines.push(isTitle ? `| **${esc(row[0])}** |${row.slice(1).map(() => ' ').join('|')}|` : `| ${row.map(esc).join(' | ')} |`);
  }
  lines.push('', `Unit: ${table.unit === 'px' ? 'pixels of the original image' : 'mm'}; cells are mean±std over lesions; Overall pools the differences against all other readers.`);
  return lines.join('\n');
}

const csvCell = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** CSV with the same grid as the markdown (UTF-8, "±" in cells). */
export function renderCsv(table: ReaderTable): string {
  return tableGrid(table).map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

/** Long-form CSV: one line per axis/row/column with numeric mean, std, median, n for Loc. and Len. */
export function renderLongCsv(table: ReaderTable): string {
  const lines = ['axis,row,role,column,unit,loc_mean,loc_std,loc_median,len_mean,len_std,len_median,n'];
  for (const axis of AXES) {
    for (const row of table.rows) {
      const entries: [string, CellStats | null][] = [
        ...table.columns.map((c): [string, CellStats | null] => [c, table.cells[axis][row.name][c]]),
        ['Overall', table.overall[axis][row.name]],
      ];
      for (const [col, c] of entries) {
        if (!c) continue;
        lines.push([axis, row.name, row.role, col, table.unit, c.loc.mean, c.loc.std, c.loc.median, c.len.mean, c.len.std, c.len.median, c.loc.n].map((v) => csvCell(String(v))).join(','));
      }
    }
  }
  return lines.join('\n') + '\n';
}

/** JSON-ready object (numbers, not strings) with the rendered cells alongside. */
export function tableToJson(table: ReaderTable): object {
  return { ...table, grid: tableGrid(table) };
}
