/**
 * Test fixture: an emulator reached either in-process (through the client's `fetch` option) or
 * over real HTTP on 127.0.0.1, and clients pointed at it. Node-only (it starts an HTTP server);
 * the portable, in-process half is ./harness.ts.
 */
import { serveEmulator } from '../../src/cli/serve.js';
import type { EmulatorOptions } from '../../src/testing/index.js';
import {
  type Harness,
  type Mode,
  harnessOf,
  startHarness as startInProcess,
  testEmulator,
} from './harness.js';

export { PASSWORD, freshEmail, type Harness, type Mode } from './harness.js';

/** Both modes, for `describe.each`. */
export const MODES: Mode[] = ['in-process', 'http'];

/** Starts an emulator in the given mode. */
export async function startHarness(mode: Mode, options: EmulatorOptions = {}): Promise<Harness> {
  if (mode === 'in-process') return startInProcess(mode, options);
  const emulator = testEmulator(options);
  const server = await serveEmulator({ port: 0, emulator });
  return harnessOf(emulator, mode, `${server.url.replace(/\/+$/, '')}/v1`, () => server.close());
}
