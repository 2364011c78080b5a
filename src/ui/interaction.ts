/**
 * Pointer, wheel and keyboard input on the viewer: drag a rough box, drag a mark's endpoint (perpendicular lock),
 * window/level with the right button, pan, zoom, scroll through neighbouring slices, shortcuts.
 */
import { dragHandle, hitHandle, swapIfShortLonger } from './geometry/bidirectional.ts';
import { pan, screenToImage, windowDrag, zoomAt } from './geometry/view.ts';
import { propose, save, undo } from './labeling.ts';
import { $, HANDLE_RADIUS_PX, MIN_BOX_SCREEN_PX, onKeySlice, PRESETS, pushUndo, state, type Win } from './state.ts';
import { boxFromDrag, canvas, canvasSize, eventPoint, fitToCanvas, render, requestImage } from './viewer.ts';
import { nextLesion } from './worklist.ts';

export function setWindow(win: Win): void {
  state.win = { center: Math.round(win.center), width: Math.max(1, Math.round(win.width)) };
  requestImage();
  render();
}

function onPointerDown(e: PointerEvent): void {
  if (!state.current) return;
  const p = eventPoint(e);
  canvas().setPointerCapture(e.pointerId);
  canvas().focus();
  if (e.button === 2) { state.drag = { kind: 'window', start: p, win: { ...state.win } }; return; }
  if (e.button === 1 || (e.button === 0 && (e.shiftKey || e.altKey))) { state.drag = { kind: 'pan', last: p }; return; }
  if (e.button !== 0 || !onKeySlice() || state.busy) return;
  if (state.marks) {
    const hit = hitHandle(state.marks, screenToImage(state.view, p), HANDLE_RADIUS_PX / state.view.scale);
    if (hit !== null) { pushUndo(); state.drag = { kind: 'handle', index: hit }; return; }
  }
  state.drag = { kind: 'box', start: p, now: p };
}

function onPointerMove(e: PointerEvent): void {
  const p = eventPoint(e);
  const d = state.drag;
  if (!d) {
    if (state.marks && onKeySlice()) {
      const hit = hitHandle(state.marks, screenToImage(state.view, p), HANDLE_RADIUS_PX / state.view.scale);
      if (hit !== state.hover) { state.hover = hit; canvas().style.cursor = hit === null ? 'crosshair' : 'grab'; render(); }
    }
    return;
  }
  if (d.kind === 'box') d.now = p;
  else if (d.kind === 'handle' && state.marks) {
    const item = state.current!;
    const q = screenToImage(state.view, p);
    const to = { x: Math.min(item.width - 0.5, Math.max(-0.5, q.x)), y: Math.min(item.height - 0.5, Math.max(-0.5, q.y)) };
    state.marks = dragHandle(state.marks, d.index, to, state.locked && !e.ctrlKey);
  } else if (d.kind === 'window') setWindow(windowDrag(d.win, p.x - d.start.x, p.y - d.start.y));
  else if (d.kind === 'pan') { state.view = pan(state.view, p.x - d.last.x, p.y - d.last.y); d.last = p; }
  render();
}

function onPointerUp(e: PointerEvent): void {
  const d = state.drag;
  state.drag = null;
  try { canvas().releasePointerCapture(e.pointerId); } catch { /* not captured */ }
  if (!d) return;
  if (d.kind === 'box') {
    const end = eventPoint(e);
    if (Math.abs(end.x - d.start.x) < MIN_BOX_SCREEN_PX || Math.abs(end.y - d.start.y) < MIN_BOX_SCREEN_PX) { render(); return; }
    pushUndo();
    const box = boxFromDrag(d.start, end);
    state.box = box;
    void propose(box);
  } else if (d.kind === 'handle' && state.marks) {
    state.marks = swapIfShortLonger(state.marks);
    render();
  } else render();
}

function onWheel(e: WheelEvent): void {
  const item = state.current;
  if (!item) return;
  e.preventDefault();
  if (e.ctrlKey || e.metaKey || item.stack.length <= 1) {
    state.view = zoomAt(state.view, eventPoint(e), Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)));
    render();
    return;
  }
  const step = e.deltaY > 0 ? 1 : -1;
  const next = Math.max(0, Math.min(item.stack.length - 1, state.stackIndex + step));
  if (next !== state.stackIndex) { state.stackIndex = next; requestImage(); render(); }
}

function onKey(e: KeyboardEvent): void {
  if ($('app').hidden) return;
  const t = e.target as HTMLElement | null;
  if (t && (t.tagName === 'INPUT' && (t as HTMLInputElement).type !== 'checkbox')) return;
  const k = e.key.toLowerCase();
  if ((e.ctrlKey || e.metaKey) && k === 'z') { e.preventDefault(); undo(); return; }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (k === 'enter') { e.preventDefault(); void save('accepted'); }
  else if (k === 's') void save('skipped');
  else if (k === 'n') nextLesion();
  else if (k === 'h') { state.showHeat = !state.showHeat; render(); }
  else if (k === 'u') { state.locked = !state.locked; render(); }
  else if (k === 'r') { fitToCanvas(); render(); }
  else if (['1', '2', '3', '4', '5'].includes(k)) setWindow(Object.values(PRESETS)[Number(k) - 1]);
}

/** Attaches the viewer's pointer and wheel handlers, the keyboard shortcuts and the toolbar's buttons. */
export function wireInput(): void {
  const c = canvas();
  c.addEventListener('pointerdown', onPointerDown);
  c.addEventListener('pointermove', onPointerMove);
  c.addEventListener('pointerup', onPointerUp);
  c.addEventListener('pointercancel', onPointerUp);
  c.addEventListener('wheel', onWheel, { passive: false });
  c.addEventListener('contextmenu', (e) => e.preventDefault());
  window.addEventListener('keydown', onKey);
  $('window-presets').addEventListener('click', (e) => {
    const name = (e.target as HTMLElement).dataset.window;
    if (name && PRESETS[name]) setWindow(PRESETS[name]);
  });
  $<HTMLInputElement>('lock').addEventListener('change', (e) => { state.locked = (e.target as HTMLInputElement).checked; render(); });
  $<HTMLInputElement>('heatmap').addEventListener('change', (e) => { state.showHeat = (e.target as HTMLInputElement).checked; render(); });
  $('accept').addEventListener('click', () => void save('accepted'));
  $('skip').addEventListener('click', () => void save('skipped'));
  $('next').addEventListener('click', () => nextLesion());
  $('undo').addEventListener('click', () => undo());
  // on resize keep the image point at the canvas centre where it was (a user's zoom/pan survives)
  let last = canvasSize();
  new ResizeObserver(() => {
    const now = canvasSize();
    state.view = pan(state.view, (now.w - last.w) / 2, (now.h - last.h) / 2);
    last = now;
    render();
  }).observe($('viewer'));
}
