/**
 * Test fixture: an emulator reached either in-process (through the client's `fetch` option) or
 * over real HTTP on 127.0.0.1, and clients pointed at it. Node-only (it starts an HTTP server).
 */
import { createEmulator, type Emulator, type EmulatorOptions } from '../../src/testing/index.js';
import { serveEmulator } from '../../src/cli/serve.js';
import { Protekt, type ProtektOptions } from '../../src/index.js';

/** How the client reaches the emulator. */
export type Mode = 'in-process' | 'http';
/** Both modes, for `describe.each`. */
export const MODES: Mode[] = ['in-process', 'http'];

/** A running emulator and a way to make clients for it. */
export interface Harness {
  emulator: Emulator;
  baseUrl: string;
  mode: Mode;
  /** A client of the default project (or of `project`), with retries fast for tests. */
  client(options?: Partial<ProtektOptions>): Protekt;
  close(): Promise<void>;
}

/** Starts an emulator in the given mode. */
export async function startHarness(mode: Mode, options: EmulatorOptions = {}): Promise<Harness> {
  const emulator = createEmulator({ pbkdf2Iterations: 1_000, ...options });
  let baseUrl = 'https://auth.protekt.io/v1';
  let close = async (): Promise<void> => {};
  if (mode === 'http') {
    const server = await serveEmulator({ port: 0, emulator });
    baseUrl = `${server.url.replace(/\/+$/, '')}/v1`;
    close = () => server.close();
  }
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

let counter = 0;
/** A fresh e-mail address per call. */
export function freshEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}.${Date.now().toString(36)}.${counter}@example.com`;
}

/** A password good enough for sign-up. */
export const PASSWORD = 'correct horse battery';
