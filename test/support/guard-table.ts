/**
 * The refusal table of docs/middleware.md as one check, run against the core and every framework
 * adapter: each row sent to a guarded route, the answer compared with what the table says.
 * Web standards only (portable): the adapter's test supplies `send`, which reaches its framework
 * however it can (in-process, or over 127.0.0.1).
 */
import { expect } from 'vitest';
import { Protekt } from '../../src/index.js';
import { createEmulator, type Emulator } from '../../src/testing/index.js';

/** What a guarded route answered. */
export interface GuardAnswer {
  status: number;
  headers: { get(name: string): string | null };
  /** The parsed JSON body. */
  body: unknown;
}

/** Sends a request with `headers` to the guarded route of an app built on `client`. */
export type SendGuarded = (headers: Record<string, string>) => Promise<GuardAnswer>;

/** A fresh emulator, a user of it, a valid token and a client that follows its clock. */
export async function guardFixture(): Promise<{
  emulator: Emulator;
  userId: string;
  token: string;
  client: (extra?: Partial<ConstructorParameters<typeof Protekt>[0]>) => Protekt;
}> {
  const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
  const user = await emulator.createUser({ email: 'ada@example.com', metadata: { plan: 'pro' } });
  const userId = String(user.id);
  const token = await emulator.issueAccessToken({ userId });
  const client = (extra = {}) =>
    new Protekt({
      loginId: emulator.project.loginId,
      apiKey: emulator.project.apiKey,
      fetch: emulator.fetch,
      maxRetries: 0,
      now: () => emulator.clock.now(),
      revocationCheck: { maxAge: 0 },
      ...extra,
    });
  return { emulator, userId, token, client };
}

const challenge = (realm: string, description?: string): string =>
  description
    ? `Bearer realm="${realm}", error="invalid_token", error_description="${description}"`
    : `Bearer realm="${realm}"`;

/** One refusal row: status, challenge (or `Retry-After`), no-store, the JSON envelope. */
function expectRefusal(
  answer: GuardAnswer,
  status: 401 | 503,
  code: string,
  message: string,
  www: string | null,
): void {
  expect({
    status: answer.status,
    www: answer.headers.get('www-authenticate'),
    cache: answer.headers.get('cache-control'),
    type: answer.headers.get('content-type')?.split(';')[0],
    body: answer.body,
  }).toEqual({
    status,
    www,
    cache: 'no-store',
    type: 'application/json',
    body: { error: { code, message } },
  });
}

/**
 * Every row of the table against a route guarded with `client` (realm `protekt`, revocation asked
 * on every request) whose success answer is `{ id: <user id> }`. `send` must reach an app whose
 * guard uses the `client` the fixture made; `revoke` ends the token through that same client.
 */
export async function checkRefusalTable(
  fixture: Awaited<ReturnType<typeof guardFixture>>,
  send: SendGuarded,
  realm = 'protekt',
): Promise<void> {
  const { emulator, token, userId } = fixture;
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

  // Outage first, while the guard's client has no key: 503 + a bounded Retry-After, not a 401.
  const fault = emulator.faults.add({
    path: '/.well-known/jwks.json',
    status: 503,
    times: Infinity,
  });
  const down = await send(bearer(token));
  fault.remove();
  expect(Number(down.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(Number(down.headers.get('retry-after'))).toBeLessThanOrEqual(300);
  expectRefusal(
    down,
    503,
    'service_unavailable',
    'Authentication is temporarily unavailable',
    null,
  );

  expectRefusal(
    await send({}),
    401,
    'token_missing',
    'A bearer token is required',
    challenge(realm),
  );
  expectRefusal(
    await send({ authorization: 'Basic YWRhOnB3' }),
    401,
    'token_missing',
    'A bearer token is required',
    challenge(realm),
  );
  const invalid = 'The access token is invalid';
  for (const malformed of ['Bearer', `Bearer ${token} extra`, 'Bearer to"ken']) {
    expectRefusal(
      await send({ authorization: malformed }),
      401,
      'token_invalid',
      invalid,
      challenge(realm, invalid),
    );
  }
  const other = createEmulator({ pbkdf2Iterations: 1_000 });
  const [h, p] = token.split('.');
  const forged = `${h}.${p}.${(await other.signToken({ sub: userId })).split('.')[2]}`;
  expectRefusal(
    await send(bearer(forged)),
    401,
    'token_invalid',
    invalid,
    challenge(realm, invalid),
  );

  // Valid, in any scheme case.
  const ok = await send({ authorization: `bEaReR ${token}` });
  expect({ status: ok.status, body: ok.body }).toEqual({ status: 200, body: { id: userId } });

  const short = await emulator.issueAccessToken({ userId, expiresIn: 60 });
  emulator.clock.advance(67_000); // past exp and the 5 s clock tolerance
  const expired = 'The access token expired';
  expectRefusal(
    await send(bearer(short)),
    401,
    'token_expired',
    expired,
    challenge(realm, expired),
  );

  // Revoked elsewhere (another client): the guard asks Protekt on every request (maxAge 0).
  expect((await fixture.client().auth.revokeToken(token)).error).toBeNull();
  const revoked = 'The access token was revoked';
  expectRefusal(
    await send(bearer(token)),
    401,
    'token_revoked',
    revoked,
    challenge(realm, revoked),
  );
}
