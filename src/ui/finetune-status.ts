/** The fine-tune status line: the server's `finetune:progress` and `finetune:done` events in words. */
import type { FineTuneDoneEvent, FineTuneProgressEvent } from '../server/events.ts';
import { $, state } from './state.ts';

const px = (v: number | undefined | null): string => (v === undefined || v === null || !Number.isFinite(v) ? '?' : v.toFixed(1));

export function fineTuneProgressText(p: FineTuneProgressEvent): string {
  const what = p.nextVersion ?? 'the model';
  if (p.stage === 'train') return `fine-tuning ${what}: step ${p.step}/${p.maxSteps}${p.loss !== null && Number.isFinite(p.loss) ? ` · loss ${p.loss.toFixed(3)}` : ''}`;
  const stage = p.stage === 'validate-before' ? 'validating the current model' : p.stage === 'validate-after' ? 'validating' : p.stage === 'load' ? 'loading' : 'starting';
  return `fine-tuning ${what}: ${stage}…`;
}

export function fineTuneDoneText(d: FineTuneDoneEvent): string {
  if (!d.ok) return `fine-tune failed: ${d.error ?? d.reason}`;
  const err = `long-axis error ${px(d.metricsBefore?.longLocPx)} → ${px(d.metricsAfter?.longLocPx)} px`;
  // Whether it learned the corrections it was trained on (absent or not finite when it was not trained).
  const taught = Number.isFinite(d.taughtBefore?.longLocPx) && Number.isFinite(d.taughtAfter?.longLocPx)
    ? `; on the corrections it learned from ${px(d.taughtBefore?.longLocPx)} → ${px(d.taughtAfter?.longLocPx)} px` : '';
  // The read-out's classical weight, when the job re-picked it on the corrections.
  const rf = d.readoutFit;
  const fit = !rf?.tried.length ? '' : rf.classicalWeight === rf.from ? `; read-out's classical weight kept at ${rf.from}` : `; read-out's classical weight ${rf.from} → ${rf.classicalWeight}`;
  if (d.promoted) return `model ${d.activeVersion ?? d.modelVersion ?? ''} promoted (${err}${taught}${fit})`;
  return `not promoted: ${d.reason}${taught}${fit}`;
}

export function setFineTune(text: string): void {
  state.finetune = text;
  const el = $('finetune-status');
  el.textContent = text;
  el.title = text;
}
