/**
 * Test fixture on web standards: an emulator reached in-process (through the client's `fetch`
 * option) and clients pointed at it. Portable: used by the client suites on every runtime. The
 * same harness over real HTTP (Node only) is in ./emulator.ts.
 */
import { Protekt, type ProtektOptions } from '../../src/index.js';
import { createEmulator, type Emulator, type EmulatorOptions } from '../../src/testing/index.js';

/** How the client reaches the emulator. */
export type Mode = 'in-process' | 'http';

/** A running emulator and a way to make clients for it. */
export interface Harness {
  emulator: Emulator;
  baseUrl: string;
  mode: Mode;
  /** A client of the default project (or of `project`), with retries fast for tests. */
  client(options?: Partial<ProtektOptions>): Protekt;
  close(): Promise<void>;
}

/** Starts an emulator reached the given way. */
export type StartHarness = (mode: Mode, options?: EmulatorOptions) => Promise<Harness>;

/** A fast emulator for tests (few PBKDF2 rounds). */
export function testEmulator(options: EmulatorOptions = {}): Emulator {
  return createEmulator({ pbkdf2Iterations: 1_000, ...options });
}

/** The harness of an emulator at `baseUrl` (`fetch` only in-process). */
export function harnessOf(
  emulator: Emulator,
  mode: Mode,
  baseUrl: string,
  close: () => Promise<void> = async () => {},
): Harness {
  return {
    emulator,
    baseUrl,
    mode,
    client(extra = {}) {
      return new Protekt({
        loginId: emulator.project.loginId,
        apiKey: emulator.project.apiKey,
        baseUrl,
        ...(mode === 'in-process' ? { fetch: emulator.fetch } : {}),
        ...extra,
      });
    },
    close,
  };
}

/** Starts an in-process emulator (the only mode here; ./emulator.ts adds `http` on Node). */
export async function startHarness(mode: Mode, options: EmulatorOptions = {}): Promise<Harness> {
  if (mode !== 'in-process') throw new Error(`mode ${mode} needs test/support/emulator.ts (Node)`);
  return harnessOf(testEmulator(options), mode, 'https://auth.protekt.io/v1');
}

let counter = 0;
/** A fresh e-mail address per call. */
export function freshEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}.${Date.now().toString(36)}.${counter}@example.com`;
}

/** A password good enough for sign-up. */
export const PASSWORD = 'correct horse battery';
