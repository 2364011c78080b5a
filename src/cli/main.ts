#!/usr/bin/env node
/** `recist` entry point: sample workers first (they re-run this script), then the command line. */
import { runSampleWorkerIfRequested } from '../data/sample-workers.ts';
import { buildProgram } from './program.ts';

if (!runSampleWorkerIfRequested()) {
  const program = await buildProgram();
  await program.parseAsync(process.argv);
}
