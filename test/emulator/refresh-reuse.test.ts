/**
 * The reuse interval of rotated refresh tokens (project setting `refreshTokenReuseInterval`,
 * default 10 s on the emulator clock): a rotated token presented again within it gets the pair its
 * rotation answered; later, or once that pair's refresh token was used, it is reuse and ends the
 * session.
 */
import { describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/testing/index.js';
import { BASE, call, fastEmulator, signUp } from './_helpers.js';

const refresh = (emu: Emulator, token: string, extra: Record<string, unknown> = {}) =>
  call(emu, 'POST', '/auth/token/refresh', { body: { refresh_token: token, ...extra } });

const verify = async (emu: Emulator, token: string): Promise<string | null> => {
  const r = await call(emu, 'POST', '/auth/token/verify', { body: { token } });
  return r.status === 200 ? null : r.body.error.code;
};

const pairOf = (body: any) => ({
  access_token: body.access_token,
  refresh_token: body.refresh_token,
  expires_in: body.expires_in,
});

describe('refresh token reuse interval', () => {
  it('concurrent presentations of one token: one rotation, the same pair for all, the session lives', async () => {
    const emu = fastEmulator();
    const s = await signUp(emu);
    const answers = await Promise.all(Array.from({ length: 5 }, () => refresh(emu, s.refresh)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(answers.map((a) => JSON.stringify(pairOf(a.body)))).size).toBe(1);
    expect(answers[0]!.body).toMatchObject({ token_type: 'Bearer', user: { id: s.user.id } });
    expect(await verify(emu, s.access)).toBeNull();
    expect((await refresh(emu, answers[0]!.body.refresh_token)).status).toBe(200);
  });

  it('a presentation that arrived before the rotation but finished after it gets the same pair', async () => {
    const emu = fastEmulator();
    const s = await signUp(emu);
    // The slow request's clock is read when it arrives; its body only completes later.
    let finish!: (body: string) => void;
    const slowBody = new ReadableStream<Uint8Array>({
      start(controller) {
        finish = (body) => {
          controller.enqueue(new TextEncoder().encode(body));
          controller.close();
        };
      },
    });
    const init = {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-protekt-key': emu.project.apiKey },
      body: slowBody,
      duplex: 'half',
    } as RequestInit;
    const slow = emu.fetch(new Request(`${BASE}/auth/token/refresh`, init));
    emu.clock.advance(1_000);
    const first = await refresh(emu, s.refresh);
    finish(JSON.stringify({ refresh_token: s.refresh }));
    const late = await slow;
    expect(late.status).toBe(200);
    expect(pairOf(await late.json())).toEqual(pairOf(first.body));
    expect(await verify(emu, first.body.access_token)).toBeNull();
  });

  it('presented again within the interval: the same pair (also with another token_expiry)', async () => {
    const emu = fastEmulator();
    const s = await signUp(emu);
    const first = await refresh(emu, s.refresh);
    emu.clock.advance(9_000);
    const again = await refresh(emu, s.refresh, { token_expiry: 120 });
    expect(again.status).toBe(200);
    expect(pairOf(again.body)).toEqual(pairOf(first.body));
  });

  it('presented again at the end of the interval: reuse, the session ends', async () => {
    const emu = fastEmulator();
    const s = await signUp(emu);
    const first = await refresh(emu, s.refresh);
    emu.clock.advance(10_000);
    const reuse = await refresh(emu, s.refresh);
    expect(reuse.status).toBe(401);
    expect(reuse.body.error.code).toBe('refresh_token_invalid');
    expect(await verify(emu, first.body.access_token)).toBe('token_revoked');
    expect((await refresh(emu, first.body.refresh_token)).body.error.code).toBe(
      'refresh_token_invalid',
    );
  });

  it('a grandparent (its pair already used) is reuse even within the interval', async () => {
    const emu = fastEmulator();
    const s = await signUp(emu);
    const child = await refresh(emu, s.refresh);
    const grandchild = await refresh(emu, child.body.refresh_token);
    expect(grandchild.status).toBe(200);
    const reuse = await refresh(emu, s.refresh);
    expect(reuse.body.error.code).toBe('refresh_token_invalid');
    expect(await verify(emu, grandchild.body.access_token)).toBe('token_revoked');
  });

  it('the parent of the current token, within its interval, still gets its own pair', async () => {
    const emu = fastEmulator();
    const s = await signUp(emu);
    const child = await refresh(emu, s.refresh);
    const grandchild = await refresh(emu, child.body.refresh_token);
    const again = await refresh(emu, child.body.refresh_token);
    expect(pairOf(again.body)).toEqual(pairOf(grandchild.body));
  });

  it('after logout, a revoked session or a disabled user: refused within the interval, nothing replayed', async () => {
    const emu = fastEmulator();
    const ended = [
      async (access: string) => {
        await call(emu, 'POST', '/auth/logout', { token: access });
      },
      async (access: string) => {
        const list = await call(emu, 'GET', '/auth/sessions', { token: access });
        const sid = list.body.data.find((x: { is_current: boolean }) => x.is_current).id;
        await call(emu, 'DELETE', `/auth/sessions/${sid}`, { token: access });
      },
      async (_access: string, userId: string) => {
        await call(emu, 'PATCH', `/auth/users/${userId}`, { body: { disabled: true } });
      },
    ];
    for (const end of ended) {
      const s = await signUp(emu);
      const first = await refresh(emu, s.refresh);
      await end(first.body.access_token, s.user.id);
      const again = await refresh(emu, s.refresh);
      expect(again.status).toBe(401);
      expect(again.body.error.code).toBe('refresh_token_invalid');
      expect(again.body.access_token).toBeUndefined();
    }
  });

  it('a pair whose access token was revoked, or whose refresh token was revoked, is not handed out again', async () => {
    const emu = fastEmulator();
    for (const which of ['access_token', 'refresh_token'] as const) {
      const s = await signUp(emu);
      const first = await refresh(emu, s.refresh);
      await call(emu, 'POST', '/auth/token/revoke', { body: { token: first.body[which] } });
      const again = await refresh(emu, s.refresh);
      expect(again.body.error.code).toBe('refresh_token_invalid');
    }
  });

  it('refreshTokenReuseInterval 0 turns it off: any second presentation ends the session', async () => {
    const emu = fastEmulator({ project: { refreshTokenReuseInterval: 0 } });
    expect(emu.project.refreshTokenReuseInterval).toBe(0);
    const s = await signUp(emu);
    const answers = await Promise.all([refresh(emu, s.refresh), refresh(emu, s.refresh)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401]);
    expect(await verify(emu, s.access)).toBe('token_revoked');
  });

  it('the interval is a live setting', async () => {
    const emu = fastEmulator();
    expect(emu.project.settings.refreshTokenReuseInterval).toBe(10);
    emu.project.refreshTokenReuseInterval = 60;
    const s = await signUp(emu);
    const first = await refresh(emu, s.refresh);
    emu.clock.advance(30_000);
    expect(pairOf((await refresh(emu, s.refresh)).body)).toEqual(pairOf(first.body));
  });
});
