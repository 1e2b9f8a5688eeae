/**
 * examples/node-express: the Express app started with `node server.mjs`, pointed at the emulator
 * over HTTP: the guard scenario, then sign-up/login cookies, the MFA step, refresh, sessions
 * and logout through the app's own routes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/testing/index.js';
import {
  nodeBinaries,
  requireBuild,
  root,
  runScenario,
  serveTestEmulator,
  start,
  waitForOutput,
  type ServedEmulator,
  type Started,
} from './_harness.js';

/** `name=value` pairs of the Set-Cookie headers of a response. */
function cookies(res: Response): Record<string, { value: string; attrs: string }> {
  const out: Record<string, { value: string; attrs: string }> = {};
  for (const line of res.headers.getSetCookie()) {
    const [pair, ...attrs] = line.split(';');
    const eq = pair!.indexOf('=');
    out[pair!.slice(0, eq)] = {
      value: decodeURIComponent(pair!.slice(eq + 1)),
      attrs: attrs.join(';').trim(),
    };
  }
  return out;
}

describe.each(nodeBinaries())('examples/node-express on $name', ({ name, path: node }) => {
  let emu: ServedEmulator;
  let app: Started;
  let url = '';
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    requireBuild();
    emu = await serveTestEmulator();
    app = start(node, ['server.mjs'], {
      cwd: `${root}examples/node-express`,
      env: { ...emu.env, PORT: '0' },
    });
    url = await waitForOutput(app, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
  });

  afterAll(async () => {
    const exit = await app?.stop();
    await emu?.close();
    if (exit) expect(exit.code).toBe(0);
  });

  it('guards /me: 503 on outage, 401 without/forged/revoked token, 200 with the user', async () => {
    const times = await runScenario(emu, (headers = {}) => fetch(`${url}/me`, { headers }));
    console.log('node-express', name, times);
  });

  it('sign-up sets httpOnly cookies; the access cookie alone opens /me and /sessions; logout clears them', async () => {
    const email = `cookie.${Date.now()}@example.com`;
    const res = await post('/signup', { email, password: 'correct horse battery' });
    expect(res.status).toBe(201);
    const jar = cookies(res);
    expect(jar.protekt_access!.attrs).toMatch(/HttpOnly/i);
    expect(jar.protekt_refresh!.attrs).toMatch(/HttpOnly/i);
    expect(jar.protekt_refresh!.attrs).toMatch(/Path=\/refresh/);
    const body = (await res.json()) as { user: { email: string }; accessToken: string };
    expect(body.user.email).toBe(email);

    const cookie = `protekt_access=${encodeURIComponent(jar.protekt_access!.value)}`;
    const me = await fetch(`${url}/me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    const sessions = await fetch(`${url}/sessions`, { headers: { cookie } });
    expect(sessions.status).toBe(200);
    expect(((await sessions.json()) as { sessions: unknown[] }).sessions.length).toBeGreaterThan(0);

    const refreshed = await post(
      '/refresh',
      {},
      { cookie: `protekt_refresh=${encodeURIComponent(jar.protekt_refresh!.value)}` },
    );
    expect(refreshed.status).toBe(200);
    const next = cookies(refreshed);
    expect(next.protekt_access!.value).not.toBe(jar.protekt_access!.value);

    const out = await post(
      '/logout',
      {},
      { cookie: `protekt_access=${encodeURIComponent(next.protekt_access!.value)}` },
    );
    expect(out.status).toBe(204);
    expect(cookies(out).protekt_access!.attrs).toMatch(/Expires=Thu, 01 Jan 1970/);
  });

  it('bad credentials: 401 invalid_credentials; bad input: 400', async () => {
    const wrong = await post('/login', { email: 'nobody@example.com', password: 'wrong password' });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe(
      'invalid_credentials',
    );
    const bad = await post('/signup', { email: 'not-an-email', password: 'x' });
    expect(bad.status).toBe(400);
  });

  it('login with MFA: /login answers mfaRequired and parks the challenge in a cookie; /login/mfa finishes it', async () => {
    const email = `mfa.${Date.now()}@example.com`;
    const password = 'correct horse battery';
    const signUp = await emu.client.auth.signUp({ email, password });
    if (signUp.error) throw new Error(signUp.error.code);
    const enroll = await emu.client.mfa.enroll({ method: 'totp' }, signUp.accessToken);
    if (enroll.error) throw new Error(enroll.error.code);
    const secret = new URL(enroll.totpUri!).searchParams.get('secret')!;
    const confirm = await emu.client.mfa.verify(
      { code: await totp(secret, emu.emulator.clock.now()) },
      signUp.accessToken,
    );
    expect(confirm.error).toBeNull();

    const first = await post('/login', { email, password });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ mfaRequired: true, methods: ['totp'] });
    const challenge = cookies(first).protekt_mfa!;
    expect(challenge.attrs).toMatch(/HttpOnly/i);
    expect(challenge.attrs).toMatch(/Path=\/login\/mfa/);

    const wrongCode = await post(
      '/login/mfa',
      { code: '000000' },
      { cookie: `protekt_mfa=${encodeURIComponent(challenge.value)}` },
    );
    expect(wrongCode.status).toBe(400);

    // A code of the next time step, so it cannot be the one used to confirm the enrollment.
    const code = await totp(secret, emu.emulator.clock.now() + 30_000);
    const done = await post(
      '/login/mfa',
      { code },
      { cookie: `protekt_mfa=${encodeURIComponent(challenge.value)}` },
    );
    expect(done.status).toBe(200);
    const jar = cookies(done);
    expect(jar.protekt_access).toBeDefined();
    const me = await fetch(`${url}/me`, {
      headers: {
        authorization: `Bearer ${((await done.json()) as { accessToken: string }).accessToken}`,
      },
    });
    expect(me.status).toBe(200);
  });
});
