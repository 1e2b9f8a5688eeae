/**
 * Shared setup of the Account API tests: an emulator reached in-process, the owner's management
 * token, and clients with it. Web standards only (these tests run on every runtime's rules).
 */
import { Protekt, type ProtektOptions } from '../../src/index.js';
import { createEmulator, type Emulator, type EmulatorOptions } from '../../src/testing/index.js';

/** An emulator, its owner's management token, and a client factory. */
export interface AccountHarness {
  readonly emulator: Emulator;
  /** The owner's management token. */
  readonly token: string;
  /** A client of the default project with the owner's token (or `extra`'s). */
  client(extra?: Partial<ProtektOptions>): Protekt;
}

/** A fresh emulator (fast hashes) and its owner signed in to the Account API. */
export async function accountHarness(options: EmulatorOptions = {}): Promise<AccountHarness> {
  const emulator = createEmulator({ pbkdf2Iterations: 1_000, ...options });
  const token = await signIn(emulator, emulator.account);
  return {
    emulator,
    token,
    client: (extra = {}) =>
      new Protekt({ ...emulator.clientOptions, managementToken: token, maxRetries: 2, ...extra }),
  };
}

/** A management token for credentials, through the SDK (throws when refused). */
export async function signIn(
  emulator: Emulator,
  credentials: { email: string; password: string },
): Promise<string> {
  const { managementToken, error } = await Protekt.getManagementToken(credentials, {
    accountBaseUrl: emulator.account.baseUrl,
    fetch: emulator.fetch,
  });
  if (error) throw new Error(`sign-in refused: ${error.code}`);
  return managementToken;
}

/** The settings `projects.create` requires, for a test project. */
export const NEW_PROJECT = {
  name: 'Test app',
  redirectUrl: 'https://app.example.org/auth/callback',
  allowedOrigins: ['https://app.example.org'],
};

/** A client of another project of the same emulator, with a key of its own. */
export function projectClient(emulator: Emulator, loginId: string, apiKey: string): Protekt {
  return new Protekt({
    loginId,
    apiKey,
    fetch: emulator.fetch,
    maxRetries: 0,
    now: emulator.clock.now,
  });
}

/** Counts the requests the emulator saw (to show that nothing was sent). */
export const requestCount = (emulator: Emulator): number => emulator.requests.length;
