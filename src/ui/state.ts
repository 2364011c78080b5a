/**
 * The labeling UI's one state object, its constants and the small DOM helpers every part uses. No framework: the parts
 * change `state` and call `render()` (viewer.ts), which draws it.
 */
import type { Socket } from 'socket.io-client';
import type { Box, Point, Recist } from '../geometry/types.ts';
import type { ClientToServerEvents, ProposalDto, ServerToClientEvents, Worklist, WorklistItem } from '../server/events.ts';
import type { HandleIndex } from './geometry/bidirectional.ts';
import type { View } from './geometry/view.ts';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export interface Win { center: number; width: number }
export interface Snapshot { marks: Recist | null; box: Box | null; proposal: ProposalDto | null }

export const PRESETS: Record<string, Win> = {
  'soft-tissue': { center: 40, width: 400 }, lung: { center: -600, width: 1500 }, liver: { center: 60, width: 160 },
  bone: { center: 400, width: 1800 }, deeplesion: { center: 50, width: 450 },
};
export const HANDLE_RADIUS_PX = 7;
export const MIN_BOX_SCREEN_PX = 6;

export const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
};

export const state = {
  reader: '' as string,
  /** The signed-in reader may start fine-tunes, roll back and manage readers (the server says so at sign-in). */
  admin: false,
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

export function message(text: string, isError = false): void {
  const el = $('message');
  el.textContent = text;
  el.classList.toggle('error', isError);
}

export function pushUndo(): void {
  state.undo.push({ marks: state.marks, box: state.box, proposal: state.proposal });
  if (state.undo.length > 100) state.undo.shift();
}

export const onKeySlice = (): boolean => !!state.current && state.stackIndex === state.current.keyIndex;
