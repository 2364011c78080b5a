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

/** Errors of a cascade's proposals on items with known marks and fixed boxes (original px). */
export async function evaluateOnItems(cascade: Cascade, items: readonly ValidationItem[], chunk = 16): Promise<AxisErrors> {
  const pairs: { predicted: Recist; truth: Recist }[] = [];
  for (let i = 0; i < items.length; i += chunk) {
    const part = items.slice(i, i + chunk);
    const props = await proposeForBoxes(cascade, part, 'eval', 'eval');
    props.forEach((p, j) => pairs.push({ predicted: p.recist, truth: part[j].recist }));
  }
  return meanAxisErrors(pairs);
}
