/**
 * The slice viewer: loads the current slice at the current window, draws it with the rough box, the heatmap or
 * pseudo-mask overlay and the editable marks on the canvas, and fills the status bar (lengths, model, entropy).
 */
import type { Box, Point, Recist } from '../geometry/types.ts';
import type { ProposalDto } from '../server/events.ts';
import { axisLengths, handlesOf } from './geometry/bidirectional.ts';
import { fitView, imageToScreen, screenToImage } from './geometry/view.ts';
import { heatmapRgba } from './heatmap.ts';
import { $, message, onKeySlice, state, type Win } from './state.ts';

function sliceUrl(id: string, win: Win): string {
  return `/api/slices/${encodeURIComponent(id)}.png?window=${Math.round(win.center)},${Math.round(win.width)}`;
}

/** Loads the current slice at the current window; one request in flight, the latest wish wins. */
export function requestImage(): void {
  const item = state.current;
  if (!item) return;
  const id = item.stack[state.stackIndex] ?? item.sliceId;
  const key = sliceUrl(id, state.win);
  if (key === state.imageKey) return;
  if (state.loading) { state.pendingKey = key; return; }
  state.loading = key;
  const img = new Image();
  img.decoding = 'async';
  img.onload = () => {
    state.loading = null;
    if (state.current === item) { state.image = img; state.imageKey = key; render(); }
    if (state.pendingKey) { state.pendingKey = null; requestImage(); }
  };
  img.onerror = () => {
    state.loading = null;
    message(`could not load slice ${id}`, true);
    if (state.pendingKey) { state.pendingKey = null; requestImage(); }
  };
  img.src = key;
}

export const canvas = (): HTMLCanvasElement => $<HTMLCanvasElement>('canvas');

export function canvasSize(): { w: number; h: number } {
  const r = canvas().getBoundingClientRect();
  return { w: Math.max(1, r.width), h: Math.max(1, r.height) };
}

export function fitToCanvas(): void {
  const item = state.current;
  if (!item) return;
  const { w, h } = canvasSize();
  state.view = fitView(item.width, item.height, w, h);
}

/** A mouse event's position in canvas (CSS) pixels. */
export function eventPoint(e: MouseEvent): Point {
  const r = canvas().getBoundingClientRect();
  return { x: e.clientX - r.left, y: e.clientY - r.top };
}

/** The image-space box spanned by a drag between two screen points. */
export function boxFromDrag(a: Point, b: Point): Box {
  const p = screenToImage(state.view, a), q = screenToImage(state.view, b);
  return { x1: Math.min(p.x, q.x), y1: Math.min(p.y, q.y), x2: Math.max(p.x, q.x), y2: Math.max(p.y, q.y) };
}

export function render(): void {
  const c = canvas();
  const { w, h } = canvasSize();
  const dpr = window.devicePixelRatio || 1;
  if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) { c.width = Math.round(w * dpr); c.height = Math.round(h * dpr); }
  const ctx = c.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, w, h);
  const item = state.current;
  const v = state.view;
  if (item && state.image) {
    ctx.imageSmoothingEnabled = v.scale < 2;
    ctx.drawImage(state.image, v.tx, v.ty, item.width * v.scale, item.height * v.scale);
  }
  const key = onKeySlice();
  if (state.showHeat && state.proposal && state.heatCanvas && key) {
    const m = state.proposal.heatmaps.toImage;
    ctx.save();
    ctx.setTransform(dpr * v.scale, 0, 0, dpr * v.scale, dpr * (v.tx + 0.5 * v.scale), dpr * (v.ty + 0.5 * v.scale));
    ctx.transform(m[0], m[3], m[1], m[4], m[2], m[5]);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(state.heatCanvas, -0.5, -0.5);
    ctx.restore();
  }
  const boxToDraw = state.drag?.kind === 'box' ? boxFromDrag(state.drag.start, state.drag.now) : state.box;
  if (boxToDraw && key) {
    const a = imageToScreen(v, { x: boxToDraw.x1, y: boxToDraw.y1 }), b = imageToScreen(v, { x: boxToDraw.x2, y: boxToDraw.y2 });
    ctx.save();
    ctx.setLineDash([5, 4]);
    ctx.strokeStyle = '#8fa3bf';
    ctx.lineWidth = 1;
    ctx.strokeRect(a.x, a.y, b.x - a.x, b.y - a.y);
    ctx.restore();
  }
  if (state.marks) drawMarks(ctx, state.marks, key ? 1 : 0.35);
  renderStatus();
  const hint = !item ? '' : !key ? 'Neighbouring slice — marks are made on the key slice (wheel back)'
    : state.busy ? 'Measuring…'
    : state.marks ? 'Drag the endpoints to correct · Enter accept · S skip · drag a new box to re-propose'
    : 'Drag a rough box around the lesion';
  $('hint').textContent = hint;
  $('slice-pos').textContent = item && item.stack.length > 1 ? `slice ${state.stackIndex + 1}/${item.stack.length}${key ? ' (key)' : ''}` : '';
  $('window-readout').textContent = `W ${state.win.width} / L ${state.win.center}`;
}

function drawMarks(ctx: CanvasRenderingContext2D, r: Recist, alpha: number): void {
  const v = state.view;
  const pts = handlesOf(r).map((p) => imageToScreen(v, p));
  ctx.save();
  ctx.globalAlpha = alpha;
  const line = (a: Point, b: Point, colour: string): void => {
    ctx.strokeStyle = 'rgba(0,0,0,0.7)'; ctx.lineWidth = 3.5;
    ctx.beginPath(); ctx.moveTo(a.x, a.y); ctx.lineTo(b.x, b.y); ctx.stroke();
    ctx.strokeStyle = colour; ctx.lineWidth = 1.6;
    ctx.beginPath(); ctx.moveTo(a.x, a.y); ctx.lineTo(b.x, b.y); ctx.stroke();
  };
  line(pts[0], pts[1], '#ffb000');
  line(pts[2], pts[3], '#29d3a6');
  pts.forEach((p, i) => {
    const hot = state.hover === i || (state.drag?.kind === 'handle' && state.drag.index === i);
    ctx.beginPath();
    ctx.arc(p.x, p.y, hot ? 6 : 4.5, 0, Math.PI * 2);
    ctx.fillStyle = i < 2 ? '#ffb000' : '#29d3a6';
    ctx.strokeStyle = '#000';
    ctx.lineWidth = 1.5;
    ctx.fill();
    ctx.stroke();
  });
  // live lengths next to the long axis
  const len = axisLengths(r, state.current?.spacing ?? null);
  const label = `${len.long.toFixed(1)} × ${len.short.toFixed(1)} ${len.unit}`;
  const anchor = pts[0].x > pts[1].x ? pts[0] : pts[1];
  ctx.font = '12px system-ui, sans-serif';
  const tw = ctx.measureText(label).width;
  const lx = Math.min(anchor.x + 10, canvasSize().w - tw - 8), ly = Math.max(16, anchor.y - 8);
  ctx.fillStyle = 'rgba(0,0,0,0.65)';
  ctx.fillRect(lx - 4, ly - 13, tw + 8, 18);
  ctx.fillStyle = '#fff';
  ctx.fillText(label, lx, ly);
  ctx.restore();
}

export function renderStatus(): void {
  const r = state.marks;
  if (r) {
    const len = axisLengths(r, state.current?.spacing ?? null);
    $('lengths').textContent = `long ${len.long.toFixed(1)} ${len.unit} · short ${len.short.toFixed(1)} ${len.unit}`;
  } else $('lengths').textContent = '';
  const p = state.proposal;
  const cal = p?.calibration ? ` · calibrated for you: long ×${p.calibration.longScale.toFixed(3)}, short ×${p.calibration.shortScale.toFixed(3)}, ${p.calibration.rotationDeg >= 0 ? '+' : ''}${p.calibration.rotationDeg.toFixed(1)}°` : '';
  $('model-info').textContent = p
    ? `model ${p.modelVersion} (${p.backend}, ${Math.round(p.serverMs)} ms)${cal}${state.modelVersion && state.modelVersion !== p.modelVersion ? ` · now serving ${state.modelVersion}: draw a new box to re-propose` : ''}`
    : state.modelVersion ? `model ${state.modelVersion}` : '';
  const ent = $('entropy');
  ent.replaceChildren();
  if (p) {
    for (const e of p.entropies ?? []) {
      const bar = document.createElement('i');
      bar.style.height = `${Math.max(2, Math.round(e * 18))}px`;
      bar.style.opacity = String(0.45 + 0.55 * e);
      ent.append(bar);
    }
    const b = document.createElement('b');
    const fromMask = p.heatmaps.kind === 'mask';
    b.textContent = `entropy ${p.entropy.toFixed(2)}${fromMask ? ' (pseudo-mask)' : ''}`;
    b.title = fromMask
      ? 'marks measured on the lesion pseudo-mask; entropy = its mean binary entropy; H shows the mask'
      : 'mean normalized entropy of the 4 keypoint heatmaps (bars); H shows them';
    ent.append(b);
  }
  for (const [id, on] of [['heatmap', state.showHeat], ['lock', state.locked]] as const) $<HTMLInputElement>(id).checked = on;
}

/** The proposal's heatmaps or pseudo-mask as an offscreen canvas for the overlay (null when it cannot be drawn). */
export function makeHeatCanvas(p: ProposalDto): HTMLCanvasElement | null {
  try {
    const h = p.heatmaps;
    const c = document.createElement('canvas');
    c.width = h.width; c.height = h.height;
    const ctx = c.getContext('2d');
    if (!ctx) return null;
    const rgba = heatmapRgba(h);
    ctx.putImageData(new ImageData(new Uint8ClampedArray(rgba.buffer as ArrayBuffer, rgba.byteOffset, rgba.length), h.width, h.height), 0, 0);
    return c;
  } catch {
    return null;
  }
}
