/**
 * The labeling UI's entry point: sign-in, the socket connection and what its broadcasts change, the page's wiring and
 * the read-only test hooks. The parts: state.ts (the one state object), socket.ts (socket.io client), worklist.ts,
 * viewer.ts (slice, overlay and marks on the canvas; status bar), labeling.ts (propose, save, undo), interaction.ts
 * (pointer, wheel, keys), finetune-status.ts; pure geometry in ./geometry. No framework: the parts change `state` and
 * `render()` draws it.
 */
import type { Point } from '../geometry/types.ts';
import type { LabelDto, ReaderInfo } from '../server/events.ts';
import { fineTuneDoneText, fineTuneProgressText, setFineTune } from './finetune-status.ts';
import { imageToScreen } from './geometry/view.ts';
import { wireInput } from './interaction.ts';
import { connect } from './socket.ts';
import { $, message, state } from './state.ts';
import { canvas, renderStatus } from './viewer.ts';
import { applyRanking, applySavedLabel, loadWorklist, renderWorklist } from './worklist.ts';

async function signIn(name: string, token: string): Promise<void> {
  const res = await fetch('/api/session', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, token }), credentials: 'same-origin',
  });
  const body = (await res.json().catch(() => ({ error: `HTTP ${res.status}` }))) as { data?: ReaderInfo; error?: string };
  if (!res.ok || !body.data) throw new Error(body.error ?? `HTTP ${res.status}`);
  await start(body.data.name, body.data.admin === true);
}

async function start(reader: string, admin: boolean): Promise<void> {
  state.reader = reader;
  state.admin = admin; // admin-only controls (fine-tune, rollback, readers) are shown only when true; the server refuses others anyway
  $('signin').hidden = true;
  $('app').hidden = false;
  $('reader-name').textContent = reader;
  $('reader-name').title = admin ? 'admin: may start fine-tunes, roll back and manage readers' : 'reader';
  const socket = connect({
    connected: () => { void loadWorklist(true); },
    connectError: (err) => {
      message(`connection: ${err.message}`, true);
      if (/token/.test(err.message)) { socket.close(); showSignIn(); }
    },
    broadcasts: {
      'label:saved': (label: LabelDto) => {
        if (!state.worklist) return;
        applySavedLabel(label);
        renderWorklist();
        message(`${label.reader} ${label.status} ${label.lesionId}`);
        document.body.dataset.lastSaved = `${label.reader}:${label.lesionId}:${label.status}`;
      },
      'worklist:ranked': (info) => { applyRanking(info); },
      'model:changed': (info) => {
        state.modelVersion = info.modelVersion;
        if (state.worklist) state.worklist = { ...state.worklist, modelVersion: info.modelVersion };
        document.body.dataset.modelVersion = info.modelVersion;
        renderStatus();
        message(`model updated: ${info.version ? `${info.version} · ` : ''}${info.modelVersion}`);
      },
      'finetune:progress': (p) => { setFineTune(fineTuneProgressText(p)); },
      'finetune:done': (d) => { setFineTune(fineTuneDoneText(d)); document.body.dataset.finetuneDone = d.jobId; },
    },
  });
}

function showSignIn(error = ''): void {
  $('app').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = error;
  $<HTMLInputElement>('signin-token').focus();
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
  wireInput();
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
  const body = me?.ok ? ((await me.json()) as { data: ReaderInfo | null }) : null;
  if (body?.data) await start(body.data.name, body.data.admin === true);
  else showSignIn();
}

void main();
