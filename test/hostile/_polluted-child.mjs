// The child process of the prototype-pollution case in attacks.test.ts. It pollutes
// Object.prototype with every option name the SDK reads BEFORE importing the built package, then
// uses the client, a mock and the Hono middleware as an application would, and prints one JSON
// line: what each check found. The parent compares it with what must hold.
//
// The polluted values are strings on purpose: a read of any of them shows (a string where a
// function or a number is expected is a config_invalid; `optional: 'yes'` would let an anonymous
// request through) without breaking Node or hono themselves, which walk plain objects with
// `for…in` and would throw on a non-string header value.
//
// Usage: node _polluted-child.mjs <repository root with dist/>
const root = process.argv[2];

/** Names the SDK reads from objects it is given (client, token, middleware, per-call options, parameters). */
const POLLUTED = {
  // client options
  loginId: 'lp_polluted',
  apiKey: 'pk_polluted_key_123',
  baseUrl: 'https://evil.example/v1',
  allowInsecureHttp: 'yes',
  timeout: 'never',
  maxRetries: 'many',
  maxRetryAfter: 'forever',
  tokenExpiry: 'long',
  debug: 'loud',
  fetch: 'not a function',
  now: 'not a function',
  dangerouslyAllowBrowser: 'yes',
  // token options
  jwks: 'attacker keys',
  jwksCache: 'attacker store',
  clockTolerance: 'a year',
  revocationCheck: 'off',
  maxTokenLength: 'huge',
  jwksCacheMaxAge: 'forever',
  jwksCooldown: 'none',
  verifiedCache: 'on',
  maxStale: 'never',
  // nested token options
  maxAge: 'forever',
  failClosed: 'maybe',
  max: 'all',
  // middleware options
  client: 'attacker client',
  fromEnv: 'attacker factory',
  optional: 'yes',
  cookie: 'session',
  realm: 'evil',
  onError: 'not a function',
  // per-call options and parameters
  idempotencyKey: 'one-key-for-every-call',
  email: 'attacker@example.com',
  password: 'attacker-password',
  metadata: 'attacker metadata',
  redirectUrl: 'https://evil.example/callback',
  state: 'attacker-state',
  // Protekt.mock overrides
  verifyToken: 'not a function',
};
// The emulator stands for Protekt: it is made before the pollution (it reads its own options).
const { createEmulator } = await import(`${root}dist/testing.js`);
const emulator = createEmulator({ pbkdf2Iterations: 1000 });
const { loginId, apiKey } = emulator.project;

for (const [name, value] of Object.entries(POLLUTED)) Object.prototype[name] = value;
const { Protekt } = await import(`${root}dist/index.js`);
const { protektAuth } = await import(`${root}dist/hono.js`);
const { Hono } = await import('hono');

const found = {};
const attempt = async (name, check) => {
  try {
    found[name] = await check();
  } catch (error) {
    found[name] = `threw ${error?.name}: ${error?.code ?? ''} ${error?.message ?? error}`;
  }
};

let protekt;
let signedUp;
await attempt('constructed', () => {
  protekt = new Protekt({ loginId, apiKey, fetch: emulator.fetch });
  const bare = new Protekt({ loginId, apiKey });
  return [protekt.baseUrl, bare.baseUrl];
});
await attempt('two sign-ups', async () => {
  const a = await protekt.auth.signUp({ email: 'a@example.com', password: 'correct horse 1' });
  const b = await protekt.auth.signUp({ email: 'b@example.com', password: 'correct horse 2' });
  signedUp = a;
  return [a.error?.code ?? a.user.email, b.error?.code ?? b.user.email];
});
await attempt('login with no fields', async () => {
  const { error } = await protekt.auth.login({});
  return [error?.code, error?.status];
});
await attempt('users.update without metadata', async () => {
  const { user, error } = await protekt.users.update(signedUp.user.id, { disabled: false });
  return error?.code ?? user.metadata;
});
const token = signedUp?.accessToken ?? '';
const [head, payload, signature = ''] = token.split('.');
const forged = `${head}.${payload}.${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
await attempt('verify the real token', async () => {
  const { user, error } = await protekt.auth.verifyToken(token);
  return error?.code ?? user.id === signedUp.user.id;
});
await attempt(
  'verify a forged token',
  async () => (await protekt.auth.verifyToken(forged)).error?.code,
);
await attempt('social login URL', () =>
  protekt.auth.getSocialLoginUrl({ provider: 'google' }).includes('evil'),
);
await attempt('mock with nothing given', async () => {
  try {
    await Protekt.mock({}).auth.verifyToken(token);
    return 'answered';
  } catch (error) {
    return error.code;
  }
});

const app = new Hono();
await attempt('middleware built', () => {
  app.use('/api/*', protektAuth({ client: protekt }));
  return true;
});
app.get('/api/me', (c) => c.json({ id: c.get('user')?.id ?? null }));
const request = async (headers) => {
  const res = await app.request('/api/me', { headers });
  return [res.status, res.headers.get('www-authenticate')];
};
await attempt('no token', () => request({}));
await attempt('token in a cookie nobody configured', () => request({ cookie: `session=${token}` }));
await attempt(
  'forged bearer',
  async () => (await request({ authorization: `Bearer ${forged}` }))[0],
);
await attempt('real bearer', async () => (await request({ authorization: `Bearer ${token}` }))[0]);

for (const name of Object.keys(POLLUTED)) delete Object.prototype[name];
process.stdout.write(`${JSON.stringify(found)}\n`);
