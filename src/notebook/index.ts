/**
 * `recist-cascade/notebook`: display helpers for Jupyter notebooks on the tslab (TypeScript) kernel: crops, overlays,
 * heatmaps and masks as images, plotly figures, tables, and the choice of data and model a notebook runs on.
 *
 * ```ts
 * import * as nb from 'recist-cascade/notebook';
 * const { data, model } = await nb.start({ model: true });   // prints what runs, loads plotly.js
 * nb.show(nb.slicePicture(data.folder.slice(data.folder.records[0]), [{ recist: data.folder.records[0].recist }]));
 * ```
 *
 * Output goes to tslab's `display` of the running kernel (found on its own; {@link setDisplay} replaces it).
 * The computations come from `recist-cascade`; this entry only turns them into pictures.
 *
 * @packageDocumentation
 * @module recist-cascade/notebook
 */
import { openNotebookData, type NotebookData } from './data.ts';
import { markdown } from './display.ts';
import { modelNote, openNotebookModel, type NotebookModel } from './model.ts';
import { loadPlotly } from './plot.ts';
import { environmentLine } from './project.ts';

export { setDisplay, display, markdown, tslabModule, type DisplaySink, type TslabModule } from './display.ts';
export { gray, heat, tint, zoom, marks, dots, sheet, show, png, colorAt, slicePicture, cropPicture, type Rgb, type RgbImage } from './images.ts';
export {
  loadPlotly, plot, figureHtml, round, axis, panels, histogram, scatter, identityLine, blandAltmanTraces, PALETTE, table, tableHtml,
  type PlotlyObject,
} from './plot.ts';
export { openNotebookData, syntheticFolder, type NotebookData } from './data.ts';
export { openNotebookModel, openModel, modelDirs, modelNote, inspectCascade, type NotebookModel, type CascadeView } from './model.ts';
export { environmentLine, scratchDir, PACKAGE_ROOT } from './project.ts';

/** Options of {@link start}. */
export interface StartOptions {
  /** Also open the notebook's model (openNotebookModel) and show which it is. Default false. */
  readonly model?: boolean;
  /** Load plotly.js into the page. Default true. */
  readonly plotly?: boolean;
}

/** What {@link start} opened. */
export interface Started {
  readonly data: NotebookData;
  /** Null unless `model: true`. */
  readonly model: NotebookModel | null;
}

const START_KEYS = ['model', 'plotly'];

/**
 * A notebook's first cell in one call: prints the environment line and which data it runs on, opens the model when
 * asked (and says which), loads plotly.js.
 */
export async function start(options: StartOptions = {}): Promise<Started> {
  for (const k of Object.keys(options)) {
    if (!START_KEYS.includes(k)) throw new Error(`start: option ${k} is ${JSON.stringify((options as Record<string, unknown>)[k])}, no such option (known: ${START_KEYS.join(', ')})`);
  }
  console.log(environmentLine());
  const data = openNotebookData();
  console.log(data.description);
  const model = options.model ? await openNotebookModel() : null;
  if (model) markdown(modelNote(model));
  if (options.plotly ?? true) loadPlotly();
  return { data, model };
}
