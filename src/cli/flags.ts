/** Checks of the command-line values several commands share; each error names the flag and the value given. */

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
