import type { TestContext } from 'node:test';
import { sharedDataDir } from '../../src/data/paths.ts';

/**
 * The shared data folder for a test. Off CI, a missing folder skips the test with a clear message;
 * in CI (CI=true) a missing folder fails the test: real-data tests must never silently skip there.
 */
export function requireSharedData(t: TestContext): string | null {
  const dir = sharedDataDir();
  if (dir) return dir;
  if (process.env.CI === 'true') throw new Error('shared data folder missing in CI: set RECIST_SHARED_DATA or provide ../shared/data');
  t.skip('real-data test skipped: ../shared/data not found (set RECIST_SHARED_DATA to run it)');
  return null;
}
