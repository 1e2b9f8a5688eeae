/**
 * A transport (the client's HTTP layer, src/http) pointed at an in-process emulator, recording
 * every request it sends and every debug line it logs. Portable: web standards only.
 */
import { createTransport, type Send, type TransportConfig } from '../../src/http/transport.js';
import { createEmulator, type Emulator } from '../../src/testing/index.js';

/** The base URL every transport here is given (the emulator answers below `/v1` on any host). */
export const BASE_URL = 'https://auth.protekt.io/v1';

/** A transport under test, its emulator, and what it sent and logged. */
export interface TransportRig {
  emulator: Emulator;
  send: Send;
  /** Every request the transport handed to fetch, in order. */
  sent: Request[];
  /** Every debug line. */
  lines: string[];
}

/** Creates an emulator (unless given) and a transport for its default project. */
export function transportRig(
  config: Partial<TransportConfig> = {},
  emulator: Emulator = createEmulator({ pbkdf2Iterations: 1_000 }),
): TransportRig {
  const sent: Request[] = [];
  const lines: string[] = [];
  const send = createTransport({
    baseUrl: BASE_URL,
    apiKey: emulator.project.apiKey,
    timeout: 2_000,
    maxRetries: 2,
    maxRetryAfter: 60_000,
    fetch: (input, init) => {
      const request = new Request(input, init);
      sent.push(request.clone());
      return emulator.fetch(request);
    },
    log: (line) => void lines.push(line),
    now: () => Date.now(),
    ...config,
  });
  return { emulator, send, sent, lines };
}

/** What a promise rejected with (fails when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
