/** Checks of the command-line values several commands share; each error names the flag and the value given. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseSplitRef, type SplitPart } from '../data/patient-split.ts';

/** `--name value` as a number ≥ min (an integer unless `integer` is false). */
export function numberFlag(value: string, name: string, min: number, integer = true): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new Error(`--${name} ${JSON.stringify(value)} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}`);
  }
  return n;
}

export type OptimizerName = 'adam' | 'sgd-momentum';

/** `--optimizer`: adam or sgd-momentum (the paper's, momentum 0.9). */
export function optimizerFlag(value: string): OptimizerName {
  if (value !== 'adam' && value !== 'sgd-momentum') throw new Error(`--optimizer ${JSON.stringify(value)} must be adam or sgd-momentum`);
  return value;
}

/** `--split file[:part]` (part default train): the split file's absolute path and the part; null when not given. */
export function splitFlag(value: string | undefined, flag = '--split'): { readonly path: string; readonly part: SplitPart } | null {
  if (!value) return null;
  const { path, part } = parseSplitRef(value);
  if (!existsSync(path)) throw new Error(`${flag} ${value}: no such file`);
  return { path: resolve(path), part };
}
