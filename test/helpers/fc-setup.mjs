/**
 * Loaded before every test file (`node --import`; plain JS, so the wasm backend's worker threads, which inherit
 * the flag without the tsx loader, can load it too): property tests draw from one fixed seed, so a CI run is
 * reproducible; set FC_SEED to explore other seeds locally (a failure prints its seed and counterexample).
 */
import fc from 'fast-check';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261126) });
