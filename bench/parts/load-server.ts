/**
 * The labeling server as `recist serve` starts it, in a child process for bench/parts/load-fair.ts: configuration from
 * the environment only (serveConfig: RECIST_LABELS, RECIST_MODEL, RECIST_INFERENCE_WORKERS, RECIST_FINETUNE_EVERY, …),
 * 127.0.0.1 on any port. Messages the parent `{ type: 'ready', url, pid, workers, model }`; exits on `{ type: 'close' }`.
 */
import { serveConfig, startServer } from '../../src/server/index.ts';

const config = { ...serveConfig({}, process.env), port: 0, host: '127.0.0.1' };
const started = await startServer(config, (line) => { if (/error|warning|fine-tune/i.test(line)) process.stderr.write(`[server] ${line}\n`); });
process.on('message', (m: { type?: string }) => {
  if (m?.type === 'close') void started.close().then(() => process.exit(0));
});
process.on('disconnect', () => { void started.close().finally(() => process.exit(0)); });
process.send?.({ type: 'ready', url: started.url, pid: process.pid, workers: config.inferenceWorkers, model: started.app.measurer().modelVersion });
