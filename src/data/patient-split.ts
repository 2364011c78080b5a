/**
 * A fixed split of a folder's patients into train / validation / test (seeded, reproducible), stored as a JSON file
 * that every figure on that folder names. Constants, read-outs, stopping and model choice are made on `validation`;
 * `test` is only reported.
 */
import { readFileSync } from 'node:fs';
import { createRng } from '../geometry/random.ts';

export const SPLIT_PARTS = ['train', 'validation', 'test'] as const;
export type SplitPart = (typeof SPLIT_PARTS)[number];

export interface PatientSplit {
  readonly format: 'recist-patient-split/1';
  /** What was split (e.g. the folder's name) and how (the command). */
  readonly dataset: string;
  readonly command: string;
  readonly seed: number;
  readonly fractions: readonly [number, number, number];
  readonly parts: Readonly<Record<SplitPart, readonly string[]>>;
}

/** Patients (deduplicated, sorted, then shuffled with `seed`) cut into parts of the given fractions. Pure. */
export function splitPatients(patientIds: readonly string[], seed: number, fractions: readonly [number, number, number]): Record<SplitPart, string[]> {
  const total = fractions.reduce((a, b) => a + b, 0);
  if (fractions.some((f) => !(f >= 0)) || !(total > 0)) throw new Error(`split fractions ${fractions.join(',')}: expected three non-negative numbers with a positive sum`);
  const ids = [...new Set(patientIds)].sort();
  const rng = createRng(seed);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  const nTrain = Math.round((ids.length * fractions[0]) / total);
  const nVal = Math.round((ids.length * fractions[1]) / total);
  const sortIds = (a: string[]): string[] => a.sort();
  return {
    train: sortIds(ids.slice(0, nTrain)),
    validation: sortIds(ids.slice(nTrain, nTrain + nVal)),
    test: sortIds(ids.slice(nTrain + nVal)),
  };
}

export function readPatientSplit(path: string): PatientSplit {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: cannot read the split file (${(e as Error).message})`);
  }
  const s = parsed as Partial<PatientSplit>;
  if (s.format !== 'recist-patient-split/1') throw new Error(`${path}: field format is ${JSON.stringify(s.format)}, expected "recist-patient-split/1"`);
  for (const p of SPLIT_PARTS) {
    if (!Array.isArray(s.parts?.[p])) throw new Error(`${path}: field parts.${p} is missing or not a list of patient ids`);
  }
  return s as PatientSplit;
}

/** The part a patient is in, or null when the split does not name it. */
export function partOf(split: PatientSplit, patientId: string): SplitPart | null {
  return SPLIT_PARTS.find((p) => split.parts[p].includes(patientId)) ?? null;
}

/** `path` or `path:part` → the split file and the part (default `train`). */
export function parseSplitRef(ref: string): { path: string; part: SplitPart } {
  const m = /^(.*?)(?::(train|validation|test))?$/.exec(ref)!;
  return { path: m[1], part: (m[2] as SplitPart | undefined) ?? 'train' };
}
