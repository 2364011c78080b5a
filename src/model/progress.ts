/**
 * Progress display for long jobs (training, fine-tuning, scoring): a live bar with losses and ETA on a
 * terminal, one line every few seconds when the output is a log file.
 */
import type { ProgressEvent } from './train.ts';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
}

export function bar(fraction: number, width = 20): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.round(f * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}

/** One human-readable progress line for a training step. */
export function formatProgress(e: ProgressEvent): string {
  const byTime = Number.isFinite(e.phaseBudgetS) ? e.elapsedS / e.phaseBudgetS : 0;
  const fraction = Math.max(e.step / e.maxSteps, byTime);
  const eta = fraction > 0 ? e.elapsedS / fraction - e.elapsedS : Infinity;
  const parts = Object.entries(e.parts).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' ');
  const val = e.val === undefined ? '' : ` val ${e.val.toFixed(4)}`;
  return `${e.phase.padEnd(5)} ${bar(fraction)} step ${e.step} loss ${e.loss.toFixed(4)} (${parts})${val} lr ${e.lr.toExponential(1)} ${e.samplesPerS.toFixed(1)} samples/s ETA ${formatDuration(eta)}`;
}

/** A progress sink: redraws one line on a TTY, prints a line at most every `everyS` seconds otherwise. */
export function createProgressPrinter(stream: NodeJS.WriteStream = process.stderr, everyS = 10): (e: ProgressEvent) => void {
  let last = 0;
  return (e) => {
    const line = formatProgress(e);
    if (e.note) stream.write(`${stream.isTTY ? '\n' : ''}${e.phase}: ${e.note}\n`);
    if (stream.isTTY) {
      stream.write(`\r${line.slice(0, (stream.columns ?? 160) - 1)}`);
      return;
    }
    const now = Date.now();
    if (now - last >= everyS * 1000 || e.step === 1) {
      last = now;
      stream.write(`${line}\n`);
    }
  };
}
