/**
 * Helpers shared by the conformance tests of failure paths: a client on an in-process emulator,
 * users with tokens, request counts from the emulator's log, and a bounded race that tells a
 * settled call from one still waiting. Web standards only (see ../README.md).
 */
import { Protekt, type ProtektOptions } from '@protekt/node';
import { createEmulator, type Emulator } from '@protekt/node/testing';

/** The JWKS path below `/v1`. */
export const JWKS = '/.well-known/jwks.json';

/** A fresh emulator: its own fetch function, so its own (cold) JWKS cache in every client. */
export function freshEmulator(): Emulator {
  return createEmulator({ pbkdf2Iterations: 1_000 });
}

/** A client of the emulator's default project, on the emulator's clock. */
export function clientOf(emulator: Emulator, extra: Partial<ProtektOptions> = {}): Protekt {
  return new Protekt({
    loginId: emulator.project.loginId,
    apiKey: emulator.project.apiKey,
    fetch: emulator.fetch,
    now: () => emulator.clock.now(),
    ...extra,
  });
}

let made = 0;

/** A fresh e-mail address. */
export const freshEmail = (): string =>
  `conformance.${Date.now().toString(36)}.${++made}@example.com`;

/** The password of the users these tests sign up. */
export const PASSWORD = 'conformance password';

/** Access tokens of `count` new users, issued without any request. */
export async function issuedTokens(emulator: Emulator, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const user = await emulator.createUser({ email: freshEmail() });
    tokens.push(await emulator.issueAccessToken({ userId: user.id as string }));
  }
  return tokens;
}

/** The requests the emulator logged for `path` from position `from` of its log. */
export function requestsTo(emulator: Emulator, path: string, from = 0) {
  return emulator.requests.slice(from).filter((r) => r.path === path);
}

/** Resolves after `ms` of real time. */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `'settled'` when `promise` settles before `ms` of real time, else `'waiting'`: tells a wait that
 * an abort ended from one that ran its course (the margin is wide; nothing is timed).
 */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<string>((resolve) => {
    timer = setTimeout(resolve, ms, 'waiting');
  });
  const settled = promise.then(
    () => 'settled',
    () => 'settled',
  );
  try {
    return await Promise.race([settled, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/** The rejection of `promise`, or `null` when it resolves. */
export function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (error: unknown) => error,
  );
}
