/** Scoring a cascade's proposals on lesions with known marks and fixed boxes (fine-tune validation, read-out fits). */
import type { CtSlice } from '../data/types.ts';
import { meanAxisErrors, type AxisErrors } from '../geometry/recist.ts';
import type { Box, Recist } from '../geometry/types.ts';
import type { Cascade } from './cascade.ts';
import { proposeForBoxes } from './measurer.ts';

export interface ValidationItem {
  readonly lesionId?: string;
  readonly slice: CtSlice;
  readonly recist: Recist;
  readonly box: Box;
}

/** The cascade's proposed marks for each item's box, `chunk` items per batch, in item order. */
export async function proposeOnItems(cascade: Cascade, items: readonly ValidationItem[], chunk = 16): Promise<Recist[]> {
  const out: Recist[] = [];
  for (let i = 0; i < items.length; i += chunk) out.push(...(await proposeForBoxes(cascade, items.slice(i, i + chunk), 'eval', 'eval')).map((p) => p.recist));
  return out;
}

/** Errors of a cascade's proposals on items with known marks and fixed boxes (original px). */
export async function evaluateOnItems(cascade: Cascade, items: readonly ValidationItem[]): Promise<AxisErrors> {
  const predicted = await proposeOnItems(cascade, items);
  return meanAxisErrors(predicted.map((p, i) => ({ predicted: p, truth: items[i].recist })));
}
