// biome-ignore-all lint/suspicious/noExportsInTest: the suite body, shared by the in-process and the over-HTTP test files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PASSWORD,
  freshEmail,
  type Harness,
  type Mode,
  type StartHarness,
} from '../support/harness.js';
import { totp } from '../../src/testing/index.js';

/** The users, sessions and mfa resources: the suite, run once per way of reaching the emulator. */
export function usersSessionsMfaTests(mode: Mode, startHarness: StartHarness): void {
  describe(`users (${mode})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(mode);
    });
    afterAll(() => h.close());

    it('get, update (metadata merged), delete', async () => {
      const client = h.client();
      const { user } = await client.auth.signUp({
        email: freshEmail(),
        password: PASSWORD,
        metadata: { plan: 'free', team: 'a' },
      });
      const got = await client.users.get(user!.id);
      expect(got.user).toMatchObject({
        id: user!.id,
        emailVerified: false,
        mfaEnabled: false,
        disabled: false,
        metadata: { plan: 'free', team: 'a' },
      });
      const updated = await client.users.update(user!.id, { metadata: { plan: 'pro' } });
      expect(updated.user?.metadata).toEqual({ plan: 'pro', team: 'a' });
      expect(await client.users.delete(user!.id)).toEqual({ error: null });
      expect((await client.users.get(user!.id)).error).toMatchObject({
        code: 'user_not_found',
        status: 404,
      });
      expect((await client.users.delete(user!.id)).error).toMatchObject({
        code: 'user_not_found',
        status: 404,
      });
      expect((await client.users.update(user!.id, { metadata: { a: 1 } })).error?.code).toBe(
        'user_not_found',
      );
    });

    it('deleting a user ends their sessions', async () => {
      const client = h.client({ revocationCheck: { maxAge: 0 } });
      const { user, accessToken } = await client.auth.signUp({
        email: freshEmail(),
        password: PASSWORD,
      });
      await client.users.delete(user!.id);
      expect((await client.auth.verifyToken(accessToken!)).error?.code).toBe('token_revoked');
    });

    it('list pages with a cursor, searches by e-mail, and listAll walks every page', async () => {
      const project = h.emulator.createProject();
      const client = h.client({ loginId: project.loginId, apiKey: project.apiKey });
      const emails = Array.from({ length: 7 }, (_, i) => `lister${i}@paging.example.com`);
      for (const email of emails) await client.auth.signUp({ email, password: PASSWORD });
      await client.auth.signUp({ email: 'other@elsewhere.example.com', password: PASSWORD });

      const first = await client.users.list({ limit: 3, search: 'paging.example' });
      expect(first.error).toBeNull();
      expect(first.users).toHaveLength(3);
      expect(first.hasMore).toBe(true);
      const second = await client.users.list({
        limit: 3,
        search: 'paging.example',
        cursor: first.nextCursor!,
      });
      expect(second.users?.map((u) => u.email)).not.toContain(first.users![0]!.email);

      const all: string[] = [];
      for await (const user of client.users.listAll({ limit: 2, search: 'paging.example' }))
        all.push(user.email);
      expect(all.sort()).toEqual([...emails].sort());
      expect((await client.users.list({ limit: 0 })).error).toMatchObject({
        code: 'invalid_request',
        status: 0,
      });
    });

    it('refuses a non-string user id locally', async () => {
      const client = h.client();
      for (const bad of [undefined, null, 42, {}, '']) {
        expect((await client.users.get(bad as never)).error).toMatchObject({
          code: 'invalid_request',
          status: 0,
        });
      }
    });
  });

  describe(`sessions (${mode})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(mode);
    });
    afterAll(() => h.close());

    it('lists sessions with isCurrent, revokes one, then all but the current', async () => {
      const client = h.client({ revocationCheck: { maxAge: 0 } });
      const email = freshEmail();
      await client.auth.signUp({ email, password: PASSWORD });
      const a = await client.auth.login({ email, password: PASSWORD });
      const b = await client.auth.login({ email, password: PASSWORD });
      const c = await client.auth.login({ email, password: PASSWORD });

      const { sessions, error } = await client.sessions.list(a.accessToken!);
      expect(error).toBeNull();
      expect(sessions!.length).toBe(4);
      expect(sessions!.filter((s) => s.isCurrent)).toHaveLength(1);
      const bClaims = (await client.auth.verifyToken(b.accessToken!)).claims!;
      expect(sessions!.map((s) => s.id)).toContain(bClaims.sid);

      expect(await client.sessions.revoke(String(bClaims.sid), a.accessToken!)).toEqual({
        error: null,
      });
      expect((await client.auth.verifyToken(b.accessToken!)).error?.code).toBe('token_revoked');
      expect(
        (await client.sessions.revoke(String(bClaims.sid), a.accessToken!)).error,
      ).toMatchObject({ code: 'session_not_found', status: 404 });

      const all = await client.sessions.revokeAll(a.accessToken!, { keepCurrent: true });
      expect(all).toEqual({ revokedCount: 2, error: null });
      expect((await client.auth.verifyToken(c.accessToken!)).error?.code).toBe('token_revoked');
      expect((await client.auth.verifyToken(a.accessToken!)).error).toBeNull();

      expect((await client.sessions.revokeAll(a.accessToken!)).revokedCount).toBe(1);
      expect((await client.sessions.list(a.accessToken!)).error?.code).toBe('token_revoked');
    });

    it('needs a valid access token', async () => {
      const client = h.client();
      expect((await client.sessions.list('nope')).error).toMatchObject({
        code: 'token_invalid',
        status: 401,
      });
      expect((await client.sessions.list('')).error).toMatchObject({
        code: 'token_invalid',
        status: 0,
      });
    });
  });

  describe(`mfa (${mode})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(mode);
    });
    afterAll(() => h.close());

    async function enrolledUser(client = h.client()) {
      const email = freshEmail();
      const { accessToken } = await client.auth.signUp({ email, password: PASSWORD });
      const enroll = await client.mfa.enroll({ method: 'totp' }, accessToken!);
      const secret = new URL(enroll.totpUri!).searchParams.get('secret')!;
      await client.mfa.verify({ code: await totp(secret, h.emulator.clock.now()) }, accessToken!);
      return { email, accessToken: accessToken!, secret, enroll };
    }

    it('enroll TOTP gives an otpauth URI and a PNG QR code; a wrong code does not enroll', async () => {
      const client = h.client();
      const { accessToken } = await client.auth.signUp({ email: freshEmail(), password: PASSWORD });
      const enroll = await client.mfa.enroll({ method: 'totp' }, accessToken!);
      expect(enroll.error).toBeNull();
      expect(enroll.totpUri).toMatch(/^otpauth:\/\/totp\/Protekt:.+\?secret=[A-Z2-7]+/);
      const png = enroll.qrCode!;
      expect(png.startsWith('data:image/png;base64,')).toBe(true);
      expect(atob(png.slice(22)).slice(1, 4)).toBe('PNG');
      const wrong = await client.mfa.verify(
        {
          code:
            '000000' ===
            (await totp(
              new URL(enroll.totpUri!).searchParams.get('secret')!,
              h.emulator.clock.now(),
            ))
              ? '111111'
              : '000000',
        },
        accessToken!,
      );
      expect(wrong.error).toMatchObject({ code: 'invalid_mfa_code', status: 400 });
    });

    it('verify confirms an enrollment; login then needs the challenge, completed by mfa.verify with mfaToken', async () => {
      const client = h.client();
      const { email, secret } = await enrolledUser(client);
      const login = await client.auth.login({ email, password: PASSWORD });
      if (login.error?.code !== 'mfa_required' || !('mfaToken' in login.error))
        throw new Error('expected the challenge');
      const bad = await client.mfa.verify({ mfaToken: login.error.mfaToken, code: '12345x' });
      expect(bad.error?.code).toBe('invalid_mfa_code');
      const done = await client.mfa.verify({
        mfaToken: login.error.mfaToken,
        code: await totp(secret, h.emulator.clock.now()),
      });
      expect(done.error).toBeNull();
      expect(done.accessToken?.split('.')).toHaveLength(3);
      expect(done.enrolled).toBe(false);
      expect(
        (await client.mfa.verifyLogin({ mfaToken: 'mfa_tmp_forged', code: '123456' })).error,
      ).toMatchObject({ code: 'mfa_token_invalid', status: 401 });
    });

    it('an MFA token expires', async () => {
      const client = h.client();
      const { email, secret } = await enrolledUser(client);
      const login = await client.auth.login({ email, password: PASSWORD });
      if (login.error?.code !== 'mfa_required' || !('mfaToken' in login.error))
        throw new Error('expected the challenge');
      h.emulator.clock.advance(6 * 60 * 1000);
      try {
        const late = await client.mfa.verifyLogin({
          mfaToken: login.error.mfaToken,
          code: await totp(secret, h.emulator.clock.now()),
        });
        expect(late.error?.code).toBe('mfa_token_invalid');
      } finally {
        h.emulator.clock.reset();
      }
    });

    it('backup codes complete a challenge once each', async () => {
      const client = h.client();
      const { email, accessToken } = await enrolledUser(client);
      const { backupCodes, error } = await client.mfa.generateBackupCodes(accessToken);
      expect(error).toBeNull();
      expect(backupCodes!.length).toBeGreaterThanOrEqual(8);
      const challenge = async () => {
        const r = await client.auth.login({ email, password: PASSWORD });
        if (r.error?.code !== 'mfa_required' || !('mfaToken' in r.error))
          throw new Error('expected the challenge');
        return r.error.mfaToken;
      };
      expect(
        (await client.mfa.verifyLogin({ mfaToken: await challenge(), code: backupCodes![0]! }))
          .error,
      ).toBeNull();
      expect(
        (await client.mfa.verifyLogin({ mfaToken: await challenge(), code: backupCodes![0]! }))
          .error?.code,
      ).toBe('invalid_mfa_code');
    });

    it('SMS enrollment sends a code to the phone; login challenge codes arrive by SMS', async () => {
      const client = h.client();
      const email = freshEmail();
      const { accessToken } = await client.auth.signUp({ email, password: PASSWORD });
      const phone = '+2348012345678';
      const enroll = await client.mfa.enroll({ method: 'sms', phone }, accessToken!);
      expect(enroll.error).toBeNull();
      expect(enroll.method).toBe('sms');
      const { code } = h.emulator.outbox.last({ to: phone, kind: 'mfa_enroll_sms' })!;
      expect((await client.mfa.verify({ code: code! }, accessToken!)).enrolled).toBe(true);
      const login = await client.auth.login({ email, password: PASSWORD });
      if (login.error?.code !== 'mfa_required' || !('mfaToken' in login.error))
        throw new Error('expected the challenge');
      expect(login.error.availableMethods).toEqual(['sms']);
      const sms = h.emulator.outbox.last({ to: phone, kind: 'mfa_sms' })!;
      expect(
        (await client.mfa.verifyLogin({ mfaToken: login.error.mfaToken, code: sms.code! })).error,
      ).toBeNull();
      expect(
        (await client.mfa.enroll({ method: 'sms', phone: '12345' }, accessToken!)).error,
      ).toMatchObject({ code: 'invalid_phone', status: 0 });
    });

    it('unenroll removes a method, except where the project enforces MFA', async () => {
      const client = h.client();
      const { email, accessToken } = await enrolledUser(client);
      expect(await client.mfa.unenroll({ method: 'totp' }, accessToken)).toEqual({ error: null });
      expect((await client.auth.login({ email, password: PASSWORD })).error).toBeNull();
      expect((await client.mfa.generateBackupCodes(accessToken)).error?.code).toBe(
        'mfa_not_enrolled',
      );

      const strict = h.emulator.createProject({ mfaRequired: true });
      const strictClient = h.client({ loginId: strict.loginId, apiKey: strict.apiKey });
      const signup = await strictClient.auth.signUp({ email: freshEmail(), password: PASSWORD });
      expect(signup.mfaEnrollmentRequired).toBe(true);
      const enroll = await strictClient.mfa.enroll({ method: 'totp' }, signup.accessToken!);
      const secret = new URL(enroll.totpUri!).searchParams.get('secret')!;
      await strictClient.mfa.verify(
        { code: await totp(secret, h.emulator.clock.now()) },
        signup.accessToken!,
      );
      expect(
        (await strictClient.mfa.unenroll({ method: 'totp' }, signup.accessToken!)).error,
      ).toMatchObject({ code: 'mfa_enforced', status: 403 });
    });

    it('verify without a pending enrollment says so', async () => {
      const client = h.client();
      const { accessToken } = await client.auth.signUp({ email: freshEmail(), password: PASSWORD });
      expect((await client.mfa.verify({ code: '123456' }, accessToken!)).error).toMatchObject({
        code: 'mfa_not_enrolled',
        status: 400,
      });
      expect(
        (await client.mfa.enroll({ method: 'email' as never }, accessToken!)).error,
      ).toMatchObject({ code: 'invalid_request', status: 0 });
    });
  });
}
