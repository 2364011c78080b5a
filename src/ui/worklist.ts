/**
 * The worklist: the server's lesion list (ranked on a ranked server), its rendering, opening a lesion, and which
 * lesion comes next after a save.
 */
import type { LabelDto, Worklist, WorklistItem, WorklistRanked } from '../server/events.ts';
import { lesionLine, lossyFlag } from './lossy.ts';
import { emit } from './socket.ts';
import { $, message, PRESETS, state } from './state.ts';
import { fitToCanvas, render, renderStatus, requestImage } from './viewer.ts';

export async function loadWorklist(openFirst: boolean): Promise<void> {
  try {
    const wl = await emit<Worklist>('worklist:get');
    state.worklist = wl;
    state.modelVersion = wl.modelVersion;
    renderWorklist();
    renderStatus();
    if (openFirst && !state.current) {
      const first = wl.items.find((i) => i.status === 'todo') ?? wl.items[0];
      if (first) openLesion(first);
    }
  } catch (err) {
    message((err as Error).message, true);
  }
}

/** Re-sorts the worklist by the server's ranking (ranked lesions first, the rest keep their order), no request. */
export function applyRanking(info: WorklistRanked): void {
  const wl = state.worklist;
  if (!wl) return;
  const pos = new Map(info.order.map((id, i) => [id, i] as const));
  const at = (id: string): number => pos.get(id) ?? Number.MAX_SAFE_INTEGER;
  const items = wl.items.map((i) => ({ ...i, score: info.scores?.[i.lesionId] ?? (pos.has(i.lesionId) ? null : i.score) }))
    .map((item, i) => ({ item, i }))
    .sort((a, b) => at(a.item.lesionId) - at(b.item.lesionId) || a.i - b.i)
    .map((x) => x.item);
  state.worklist = { ...wl, items, ...(info.modelVersion ? { modelVersion: info.modelVersion } : {}), ...(info.scored ? { scored: info.scored } : {}) };
  renderWorklist();
  document.body.dataset.ranked = info.modelVersion ?? '';
}

/** Marks a saved label's lesion with its status and reader (no request). */
export function applySavedLabel(label: LabelDto): void {
  const wl = state.worklist;
  if (!wl) return;
  state.worklist = { ...wl, items: wl.items.map((i) => (i.lesionId === label.lesionId ? { ...i, status: label.status, labelledBy: label.reader, final: label.final } : i)) };
}

export function renderWorklist(): void {
  const wl = state.worklist;
  const list = $('worklist');
  list.replaceChildren();
  if (!wl) return;
  for (const item of wl.items) {
    const li = document.createElement('li');
    li.dataset.lesionId = item.lesionId;
    li.dataset.status = item.status;
    if (state.current?.lesionId === item.lesionId) li.classList.add('current');
    const id = document.createElement('span'); id.className = 'wl-id'; id.textContent = item.lesionId;
    const badge = document.createElement('span'); badge.className = `badge ${item.status}`;
    badge.textContent = item.status === 'todo' ? 'to do' : `${item.status}${item.labelledBy ? ` · ${item.labelledBy}` : ''}`;
    const title = document.createElement('span'); title.className = 'wl-title'; title.textContent = item.title;
    li.append(id, badge, title);
    const lossy = lossyFlag(item.lossy);
    if (lossy) {
      const flag = document.createElement('span'); flag.className = 'badge lossy'; flag.textContent = lossy.text; flag.title = lossy.title;
      li.append(flag);
    }
    if (item.score !== null && item.status === 'todo') {
      const score = document.createElement('span'); score.className = 'wl-score mono'; score.textContent = item.score.toFixed(2);
      score.title = `${wl.strategy ?? 'active-learning'} score (higher = look first)`;
      li.append(score);
    }
    li.addEventListener('click', () => openLesion(item));
    list.append(li);
  }
  const done = wl.items.filter((i) => i.status !== 'todo').length;
  const scoring = wl.scored && wl.scored.done < wl.scored.total ? ` · scoring ${wl.scored.done}/${wl.scored.total}` : '';
  $('progress').textContent = `${done} / ${wl.items.length} done${wl.strategy ? ` · ${wl.strategy}` : ''}${scoring}`;
}

export function openLesion(item: WorklistItem): void {
  state.current = item;
  state.stackIndex = item.keyIndex;
  state.marks = item.final;
  state.box = null;
  state.proposal = null;
  state.heatCanvas = null;
  state.undo = [];
  state.win = item.window ? { center: Math.round(item.window.center), width: Math.round(item.window.width) } : { ...PRESETS['soft-tissue'] };
  state.image = null;
  state.imageKey = '';
  fitToCanvas();
  renderWorklist();
  requestImage();
  $('lesion-title').textContent = lesionLine(item.lesionId, item.title, item.lossy);
  $('lesion-title').title = lossyFlag(item.lossy)?.title ?? '';
  render();
}

/**
 * After a save: the server's worklist (on a ranked server its first unlabeled lesion is the one handed to this reader,
 * so two readers are not sent the same lesion); falls back to the next to-do item in the list.
 */
export async function openServedNext(saved: string): Promise<void> {
  try {
    const wl = await emit<Worklist>('worklist:get');
    state.worklist = wl;
    state.modelVersion = wl.modelVersion;
    const next = wl.items.find((i) => i.status === 'todo' && i.lesionId !== saved);
    if (next) { openLesion(next); return; }
    renderWorklist();
  } catch { /* offline: the local list */ }
  nextLesion();
}

export function nextLesion(): void {
  const wl = state.worklist;
  if (!wl || wl.items.length === 0) return;
  const idx = state.current ? wl.items.findIndex((i) => i.lesionId === state.current!.lesionId) : -1;
  const after = [...wl.items.slice(idx + 1), ...wl.items.slice(0, idx + 1)];
  const next = after.find((i) => i.status === 'todo') ?? after[0];
  openLesion(next);
}
