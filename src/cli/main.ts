#!/usr/bin/env node
/** `recist` entry point: sample workers first (they re-run this script), then the command line. No top-level await,
 * so that esbuild can bundle it as CommonJS for a lent GPU machine (../shared/tools/pack-for-gpu.sh src/cli/main.ts). */
import { runSampleWorkerIfRequested } from '../data/sample-workers.ts';
import { buildProgram } from './program.ts';

if (!runSampleWorkerIfRequested()) {
  buildProgram()
    .then((program) => program.parseAsync(process.argv))
    .catch((err: unknown) => {
      // The message names the problem (file, field, value); the stack only when asked for.
      console.error(process.env.RECIST_DEBUG || !(err instanceof Error) ? err : `recist: ${err.message}`);
      process.exitCode = 1;
    });
}
