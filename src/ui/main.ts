/**
 * The labeling UI: sign-in, worklist, canvas slice viewer with window/level, zoom/pan and neighbouring slices,
 * rough box → model proposal → editable bidirectional marks (perpendicular lock), heatmap overlay, keyboard
 * shortcuts. No framework; state lives in one object and `render()` draws it. Geometry is in ./geometry (pure).
 */
import { io, type Socket } from 'socket.io-client';
import type { Box, Point, Recist } from '../geometry/types.ts';
import type {
  Ack, ClientToServerEvents, FineTuneDoneEvent, FineTuneProgressEvent, LabelDto, ProposalDto, ServerToClientEvents, Worklist, WorklistItem,
  WorklistRanked,
} from '../server/events.ts';
import {
  axisLengths, dragHandle, handlesOf, hitHandle, swapIfShortLonger, type HandleIndex,
} from './geometry/bidirectional.ts';
import { fitView, imageToScreen, pan, screenToImage, windowDrag, zoomAt, type View } from './geometry/view.ts';
import { heatmapRgba } from './heatmap.ts';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
interface Win { center: number; width: number }
interface Snapshot { marks: Recist | null; box: Box | null; proposal: ProposalDto | null }

const PRESETS: Record<string, Win> = {
  'soft-tissue': { center: 40, width: 400 }, lung: { center: -600, width: 1500 }, liver: { center: 60, width: 160 },
  bone: { center: 400, width: 1800 }, deeplesion: { center: 50, width: 450 },
};
const HANDLE_RADIUS_PX = 7;
const MIN_BOX_SCREEN_PX = 6;

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
};

const state = {
  reader: '' as string,
  socket: null as ClientSocket | null,
  worklist: null as Worklist | null,
  current: null as WorklistItem | null,
  stackIndex: 0,
  image: null as HTMLImageElement | null,
  imageKey: '',
  loading: null as string | null,
  pendingKey: null as string | null,
  win: { center: 40, width: 400 } as Win,
  view: { scale: 1, tx: 0, ty: 0 } as View,
  marks: null as Recist | null,
  box: null as Box | null,
  proposal: null as ProposalDto | null,
  heatCanvas: null as HTMLCanvasElement | null,
  undo: [] as Snapshot[],
  locked: true,
  showHeat: false,
  busy: false,
  proposeSeq: 0,
  drag: null as
    | { kind: 'box'; start: Point; now: Point }
    | { kind: 'handle'; index: HandleIndex }
    | { kind: 'window'; start: Point; win: Win }
    | { kind: 'pan'; last: Point }
    | null,
  hover: null as HandleIndex | null,
  modelVersion: '',
  /** The fine-tune status line ("fine-tuning v0003: step 12/30", "model v0003 promoted (…)", "not promoted: …"). */
  finetune: '',
};

// ------------------------------------------------------------------------------------------------------ helpers
function message(text: string, isError = false): void {
  const el = $('message');
  el.textContent = text;
  el.classList.toggle('error', isError);
}

function emit<T>(event: keyof ClientToServerEvents, ...args: unknown[]): Promise<T> {
  const s = state.socket;
  if (!s) return Promise.reject(new Error('not connected'));
  return new Promise((resolve, reject) => {
    (s.timeout(15000) as unknown as { emit: (e: string, ...a: unknown[]) => void }).emit(event, ...args, (err: Error | null, res: Ack<T>) => {
      if (err) reject(new Error(`${event}: no answer from the server`));
      else if ('error' in res) reject(new Error(res.error));
      else resolve(res.data);
    });
  });
}

function pushUndo(): void {
  state.undo.push({ marks: state.marks, box: state.box, proposal: state.proposal });
  if (state.undo.length > 100) state.undo.shift();
}

const onKeySlice = (): boolean => !!state.current && state.stackIndex === state.current.keyIndex;

// ------------------------------------------------------------------------------------------------------ sign-in
async function signIn(name: string, token: string): Promise<void> {
  const res = await fetch('/api/session', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, token }), credentials: 'same-origin',
  });
  const body = (await res.json().catch(() => ({ error: `HTTP ${res.status}` }))) as { data?: { name: string }; error?: string };
  if (!res.ok || !body.data) throw new Error(body.error ?? `HTTP ${res.status}`);
  await start(body.data.name);
}

async function start(reader: string): Promise<void> {
  state.reader = reader;
  $('signin').hidden = true;
  $('app').hidden = false;
  $('reader-name').textContent = reader;
  connect();
}

function connect(): void {
  // same origin; the HttpOnly cookie set at sign-in authenticates the handshake
  const socket: ClientSocket = io({ transports: ['websocket'], withCredentials: true });
  state.socket = socket;
  socket.on('connect', () => { void loadWorklist(true); });
  socket.on('connect_error', (err) => {
    message(`connection: ${err.message}`, true);
    if (/token/.test(err.message)) { socket.close(); showSignIn(); }
  });
  socket.on('label:saved', (label: LabelDto) => {
    const wl = state.worklist;
    if (!wl) return;
    state.worklist = { ...wl, items: wl.items.map((i) => (i.lesionId === label.lesionId ? { ...i, status: label.status, labelledBy: label.reader, final: label.final } : i)) };
    renderWorklist();
    message(`${label.reader} ${label.status} ${label.lesionId}`);
    document.body.dataset.lastSaved = `${label.reader}:${label.lesionId}:${label.status}`;
  });
  socket.on('worklist:ranked', (info) => { applyRanking(info); });
  socket.on('model:changed', (info) => {
    state.modelVersion = info.modelVersion;
    if (state.worklist) state.worklist = { ...state.worklist, modelVersion: info.modelVersion };
    document.body.dataset.modelVersion = info.modelVersion;
    renderStatus();
    message(`model updated: ${info.version ? `${info.version} · ` : ''}${info.modelVersion}`);
  });
  socket.on('finetune:progress', (p) => { setFineTune(fineTuneProgressText(p)); });
  socket.on('finetune:done', (d) => { setFineTune(fineTuneDoneText(d)); document.body.dataset.finetuneDone = d.jobId; });
}

// ------------------------------------------------------------------------------------------------------ fine-tune
const px = (v: number | undefined | null): string => (v === undefined || v === null || !Number.isFinite(v) ? '?' : v.toFixed(1));

function fineTuneProgressText(p: FineTuneProgressEvent): string {
  const what = p.nextVersion ?? 'the model';
  if (p.stage === 'train') return `fine-tuning ${what}: step ${p.step}/${p.maxSteps}${p.loss !== null && Number.isFinite(p.loss) ? ` · loss ${p.loss.toFixed(3)}` : ''}`;
  const stage = p.stage === 'validate-before' ? 'validating the current model' : p.stage === 'validate-after' ? 'validating' : p.stage === 'load' ? 'loading' : 'starting';
  return `fine-tuning ${what}: ${stage}…`;
}

function fineTuneDoneText(d: FineTuneDoneEvent): string {
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

function setFineTune(text: string): void {
  state.finetune = text;
  const el = $('finetune-status');
  el.textContent = text;
  el.title = text;
}

/** Re-sorts the worklist by the server's ranking (ranked lesions first, the rest keep their order), no request. */
function applyRanking(info: WorklistRanked): void {
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

function showSignIn(error = ''): void {
  $('app').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = error;
  $<HTMLInputElement>('signin-token').focus();
}

// ------------------------------------------------------------------------------------------------------ worklist
async function loadWorklist(openFirst: boolean): Promise<void> {
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

function renderWorklist(): void {
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

function openLesion(item: WorklistItem): void {
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
  $('lesion-title').textContent = `${item.lesionId} — ${item.title}`;
  render();
}

/**
 * After a save: the server's worklist (on a ranked server its first unlabeled lesion is the one handed to this reader,
 * so two readers are not sent the same lesion); falls back to the next to-do item in the list.
 */
async function openServedNext(saved: string): Promise<void> {
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

function nextLesion(): void {
  const wl = state.worklist;
  if (!wl || wl.items.length === 0) return;
  const idx = state.current ? wl.items.findIndex((i) => i.lesionId === state.current!.lesionId) : -1;
  const after = [...wl.items.slice(idx + 1), ...wl.items.slice(0, idx + 1)];
  const next = after.find((i) => i.status === 'todo') ?? after[0];
  openLesion(next);
}

// ------------------------------------------------------------------------------------------------------ images
function sliceUrl(id: string, win: Win): string {
  return `/api/slices/${encodeURIComponent(id)}.png?window=${Math.round(win.center)},${Math.round(win.width)}`;
}

/** Loads the current slice at the current window; one request in flight, the latest wish wins. */
function requestImage(): void {
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

// ------------------------------------------------------------------------------------------------------ canvas
const canvas = (): HTMLCanvasElement => $<HTMLCanvasElement>('canvas');

function canvasSize(): { w: number; h: number } {
  const r = canvas().getBoundingClientRect();
  return { w: Math.max(1, r.width), h: Math.max(1, r.height) };
}

function fitToCanvas(): void {
  const item = state.current;
  if (!item) return;
  const { w, h } = canvasSize();
  state.view = fitView(item.width, item.height, w, h);
}

function eventPoint(e: MouseEvent): Point {
  const r = canvas().getBoundingClientRect();
  return { x: e.clientX - r.left, y: e.clientY - r.top };
}

function render(): void {
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

function renderStatus(): void {
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

// ------------------------------------------------------------------------------------------------------ propose / save
function boxFromDrag(a: Point, b: Point): Box {
  const p = screenToImage(state.view, a), q = screenToImage(state.view, b);
  return { x1: Math.min(p.x, q.x), y1: Math.min(p.y, q.y), x2: Math.max(p.x, q.x), y2: Math.max(p.y, q.y) };
}

async function propose(box: Box): Promise<void> {
  const item = state.current;
  if (!item) return;
  const seq = ++state.proposeSeq;
  const mark = `propose:start:${seq}`;
  performance.mark(mark);
  state.busy = true;
  render();
  try {
    const p = await emit<ProposalDto>('propose', { lesionId: item.lesionId, box });
    if (seq !== state.proposeSeq || state.current !== item) return;
    state.proposal = p;
    state.marks = p.recist;
    state.box = p.box;
    state.busy = false;
    render(); // the marks are on screen after this synchronous draw
    performance.measure(`propose:roundtrip:${seq}`, mark);
    state.heatCanvas = makeHeatCanvas(p);
    if (state.showHeat) render();
    message(`proposal in ${Math.round(performance.getEntriesByName(`propose:roundtrip:${seq}`)[0]?.duration ?? 0)} ms`);
  } catch (err) {
    if (seq === state.proposeSeq) { state.busy = false; render(); message((err as Error).message, true); }
  }
}

function makeHeatCanvas(p: ProposalDto): HTMLCanvasElement | null {
  try {
    const h = p.heatmaps;
    const c = document.createElement('canvas');
    c.width = h.width; c.height = h.height;
    const ctx = c.getContext('2d');
    if (!ctx) return null;
    ctx.putImageData(new ImageData(heatmapRgba(h) as Uint8ClampedArray<ArrayBuffer>, h.width, h.height), 0, 0);
    return c;
  } catch {
    return null;
  }
}

async function save(status: 'accepted' | 'skipped'): Promise<void> {
  const item = state.current;
  if (!item) return;
  if (status === 'accepted' && !state.marks) { message('Nothing to accept: draw a box first', true); return; }
  try {
    const label = await emit<LabelDto>('label:save', {
      lesionId: item.lesionId, status, recist: status === 'accepted' ? state.marks : null, box: state.box,
      proposal: state.proposal ? { recist: state.proposal.recist, entropy: state.proposal.entropy, modelVersion: state.proposal.modelVersion } : null,
    });
    const wl = state.worklist;
    if (wl) state.worklist = { ...wl, items: wl.items.map((i) => (i.lesionId === label.lesionId ? { ...i, status: label.status, labelledBy: label.reader, final: label.final } : i)) };
    document.body.dataset.lastOwnSave = `${label.lesionId}:${label.status}`;
    message(`${status} ${item.lesionId}`);
    await openServedNext(item.lesionId);
  } catch (err) {
    message((err as Error).message, true);
  }
}

function undo(): void {
  const s = state.undo.pop();
  if (!s) return;
  state.marks = s.marks; state.box = s.box; state.proposal = s.proposal;
  state.heatCanvas = s.proposal ? makeHeatCanvas(s.proposal) : null;
  render();
}

// ------------------------------------------------------------------------------------------------------ input
function setWindow(win: Win): void {
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

function wire(): void {
  $('signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const name = $<HTMLInputElement>('signin-name').value.trim(), token = $<HTMLInputElement>('signin-token').value.trim();
    signIn(name, token).catch((err: Error) => { $('signin-error').textContent = err.message; });
  });
  $('signout').addEventListener('click', () => {
    void fetch('/api/logout', { method: 'POST', credentials: 'same-origin' }).finally(() => location.reload());
  });
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

/** Read-only hooks for tests and debugging (no inline script needed: CSP stays strict). */
(window as unknown as { recist: unknown }).recist = {
  marks: () => state.marks,
  proposal: () => state.proposal && { recist: state.proposal.recist, modelVersion: state.proposal.modelVersion, entropy: state.proposal.entropy },
  current: () => state.current?.lesionId ?? null,
  toScreen: (p: Point) => {
    const s = imageToScreen(state.view, p);
    const r = canvas().getBoundingClientRect();
    return { x: s.x + r.left, y: s.y + r.top };
  },
  busy: () => state.busy,
  imageLoaded: () => !!state.image && !state.loading,
};

async function main(): Promise<void> {
  wire();
  const me = await fetch('/api/session', { credentials: 'same-origin' }).catch(() => null);
  const body = me?.ok ? ((await me.json()) as { data: { name: string } | null }) : null;
  if (body?.data) await start(body.data.name);
  else showSignIn();
}

void main();
