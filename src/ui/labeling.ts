/** The labeling actions: a rough box → the model's proposal, accept / skip (saved on the server), undo. */
import type { Box } from '../geometry/types.ts';
import type { LabelDto, ProposalDto } from '../server/events.ts';
import { emit } from './socket.ts';
import { message, state } from './state.ts';
import { makeHeatCanvas, render } from './viewer.ts';
import { applySavedLabel, openServedNext } from './worklist.ts';

/** Asks the server for a proposal in `box`; a later box or another lesion supersedes an answer still on its way. */
export async function propose(box: Box): Promise<void> {
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

export async function save(status: 'accepted' | 'skipped'): Promise<void> {
  const item = state.current;
  if (!item) return;
  if (status === 'accepted' && !state.marks) { message('Nothing to accept: draw a box first', true); return; }
  try {
    const label = await emit<LabelDto>('label:save', {
      lesionId: item.lesionId, status, recist: status === 'accepted' ? state.marks : null, box: state.box,
      proposal: state.proposal ? { recist: state.proposal.recist, entropy: state.proposal.entropy, modelVersion: state.proposal.modelVersion } : null,
    });
    applySavedLabel(label);
    document.body.dataset.lastOwnSave = `${label.lesionId}:${label.status}`;
    message(`${status} ${item.lesionId}`);
    await openServedNext(item.lesionId);
  } catch (err) {
    message((err as Error).message, true);
  }
}

export function undo(): void {
  const s = state.undo.pop();
  if (!s) return;
  state.marks = s.marks; state.box = s.box; state.proposal = s.proposal;
  state.heatCanvas = s.proposal ? makeHeatCanvas(s.proposal) : null;
  render();
}
