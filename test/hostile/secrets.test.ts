/**
 * Secrets: every operation of the SDK, on success and on failure, with `debug` on (both the
 * function option and `debug: true` through console.debug): the API key, passwords, access,
 * refresh and MFA tokens, OTP/MFA/backup codes, reset/magic/verification tokens and TOTP secrets
 * never show in a debug line, an error message or cause, or the JSON / util.inspect view of the
 * client, of a result's `error`, or of a thrown error.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Protekt, ProtektError } from '../../src/index.js';
import { totp } from '../../src/testing/index.js';
import {
  MODES,
  PASSWORD,
  freshEmail,
  startHarness,
  type Harness,
  type Mode,
} from '../support/emulator.js';
import { Ledger, SecretWatch, guardProcess } from './_support.js';

const ledger = new Ledger('secrets');
const guard = guardProcess();

afterAll(async () => {
  guard.stop();
  expect(guard.seen).toEqual([]);
  ledger.record(
    'Secrets',
    'no unhandled rejection or uncaught exception during the secrets suite',
    'none seen',
  );
  await ledger.flush();
});

it('the watch itself finds a planted secret (so a clean run means something)', () => {
  const w = new SecretWatch();
  w.secret('planted', 'pk_planted_secret_value');
  w.secret('code', '123456');
  w.text('debug', '[Protekt] POST /auth/login -> 200 (3 ms) pk_planted_secret_value');
  w.error(
    'thrown',
    new ProtektError('network_error', 'x', { cause: new Error('code 123456 leaked') }),
  );
  w.text('debug', 'took 1234567 ms'); // a longer number is not the code
  expect(w.leaks()).toHaveLength(4); // debug line; the error's inspect view, its cause's message and stack
  ledger.record(
    'Secrets',
    'self-check: a planted API key in a debug line and a planted code in an error cause',
    'found by the watch (4 hits: debug line, inspect view, cause message, cause stack), so a clean run is meaningful',
  );
});

describe.each(MODES)('secrets (%s)', (mode: Mode) => {
  let h: Harness;
  const watch = new SecretWatch();
  const consoleLines: string[] = [];
  let ops = 0;
  let failures = 0;
  let thrownCount = 0;

  beforeAll(async () => {
    h = await startHarness(mode);
    watch.secret('API key', h.emulator.project.apiKey);
    watch.secret('password', PASSWORD);
  });
  afterAll(() => h.close());

  /** Runs an operation, feeding its result's error (or its thrown error) to the watch. */
  const op = async <T extends { error: unknown }>(run: () => Promise<T>): Promise<T> => {
    ops++;
    let result: T;
    try {
      result = await run();
    } catch (error) {
      thrownCount++;
      watch.error('thrown', error);
      throw error;
    }
    if (result.error) {
      failures++;
      watch.error('result error', result.error);
    }
    for (const [k, v] of Object.entries(result as Record<string, unknown>)) {
      if (/token$/i.test(k) || k === 'backupCodes') for (const s of [v].flat()) watch.secret(k, s);
    }
    return result;
  };
  const throwing = async (run: () => Promise<unknown>): Promise<ProtektError> => {
    ops++;
    try {
      await run();
    } catch (error) {
      thrownCount++;
      watch.error('thrown', error);
      expect(error).toBeInstanceOf(ProtektError);
      return error as ProtektError;
    }
    throw new Error('expected a throw');
  };

  it('every operation, success and failure, with debug on', async () => {
    const spy = vi
      .spyOn(console, 'debug')
      .mockImplementation(
        (...args: unknown[]) => void consoleLines.push(args.map(String).join(' ')),
      );
    try {
      const viaConsole = h.client({ debug: true, revocationCheck: { maxAge: 0 } });
      const viaFunction = h.client({ debug: watch.debug, revocationCheck: { maxAge: 0 } });
      for (const client of [viaConsole, viaFunction]) {
        const email = freshEmail('secret');
        const password = `${PASSWORD} ${Math.random().toString(36).slice(2)}`;
        watch.secret('password', password);

        // Sign-up with a verification e-mail, duplicates, bad input.
        const su = await op(() =>
          client.auth.signUp({
            email,
            password,
            sendVerification: true,
            metadata: { plan: 'pro' },
          }),
        );
        expect(su.error).toBeNull();
        await op(() => client.auth.signUp({ email, password }));
        await op(() => client.auth.signUp({ email: 'not an e-mail', password }));
        await op(() => client.auth.signUp({ email: freshEmail(), password: 'short' }));
        const verification = h.emulator.outbox.last({ to: email, kind: 'email_verification' })!
          .token!;
        watch.secret('verification token', verification);
        await op(() => client.auth.verifyEmail(`${verification}x`));
        expect((await op(() => client.auth.verifyEmail(verification))).error).toBeNull();

        // Login: wrong, right; tokens verify, forged and refresh-token-as-access refused.
        await op(() => client.auth.login({ email, password: `${password}!` }));
        const li = await op(() => client.auth.login({ email, password }));
        expect(li.error).toBeNull();
        await op(() => client.auth.verifyToken(li.accessToken!));
        await op(() => client.auth.verifyToken(`${li.accessToken!.slice(0, -4)}AAAA`));
        await op(() => client.auth.verifyToken(li.refreshToken!));
        await op(() => client.auth.verifyToken(`Bearer ${li.accessToken}`));

        // Refresh, reuse, revoke.
        const rf = await op(() => client.auth.refreshToken(li.refreshToken!));
        // Presented again within the reuse interval: the same pair; then its new token rotates.
        await op(() => client.auth.refreshToken(li.refreshToken!));
        await op(() => client.auth.refreshToken(rf.refreshToken!));
        const li2 = await op(() => client.auth.login({ email, password }));
        await op(() => client.auth.revokeToken(li2.refreshToken!));
        await op(() => client.auth.refreshToken(li2.refreshToken!));

        // Sessions and users.
        const li3 = await op(() => client.auth.login({ email, password }));
        const at = li3.accessToken!;
        const list = await op(() => client.sessions.list(at));
        await op(() => client.sessions.revoke('sess_nope', at));
        await op(() => client.sessions.list('not.a.token'));
        await op(() => client.users.list({ search: email }));
        await op(() => client.users.get(su.user!.id));
        await op(() => client.users.get('usr_nope'));
        await op(() => client.users.update(su.user!.id, { metadata: { plan: 'free' } }));
        expect(list.error).toBeNull();

        // MFA: TOTP enroll, confirm, login challenge, wrong and right codes, backup codes.
        const en = await op(() => client.mfa.enroll({ method: 'totp' }, at));
        const secret = new URL(en.totpUri!).searchParams.get('secret')!;
        watch.secret('TOTP secret', secret);
        watch.secret('TOTP URI', en.totpUri);
        await op(() => client.mfa.verify({ code: '000000' }, at));
        const code = await totp(secret, h.emulator.clock.now());
        watch.secret('TOTP code', code);
        await op(() => client.mfa.verify({ code }, at));
        const codes = await op(() => client.mfa.generateBackupCodes(at));
        const challenge = await op(() => client.auth.login({ email, password }));
        expect(challenge.error?.code).toBe('mfa_required');
        const mfaToken = (challenge.error as { mfaToken: string }).mfaToken;
        watch.secret('MFA token', mfaToken);
        await op(() => client.mfa.verifyLogin({ mfaToken, code: '123456' }));
        await op(() =>
          client.mfa.verifyLogin({ mfaToken: `${mfaToken}x`, code: codes.backupCodes![0]! }),
        );
        const done = await op(() =>
          client.mfa.verifyLogin({ mfaToken, code: codes.backupCodes![0]! }),
        );
        expect(done.error).toBeNull();
        await op(() => client.mfa.unenroll({ method: 'totp' }, done.accessToken!));

        // Passwordless: OTP and magic links, wrong and right.
        const otpEmail = freshEmail('secret-otp');
        await op(() => client.auth.sendOtp({ email: otpEmail }));
        const otp = h.emulator.outbox.last({ to: otpEmail, kind: 'otp' })!.code!;
        watch.secret('OTP code', otp);
        await op(() =>
          client.auth.verifyOtp({ email: otpEmail, otp: otp === '000000' ? '111111' : '000000' }),
        );
        await op(() => client.auth.verifyOtp({ email: otpEmail, otp }));
        await op(() =>
          client.auth.sendMagicLink({ email, redirectUrl: 'https://example.com/welcome' }),
        );
        const link = h.emulator.outbox.last({ to: email, kind: 'magic_link' })!;
        watch.secret('magic-link token', link.token);
        watch.secret('magic link', link.link);
        await op(() => client.auth.verifyMagicLink(`${link.token}x`));
        await op(() => client.auth.verifyMagicLink(link.token!));

        // Passwords: reset (bad and good token), change (wrong and right current password).
        await op(() => client.auth.requestPasswordReset({ email }));
        const reset = h.emulator.outbox.last({ to: email, kind: 'password_reset' })!.token!;
        watch.secret('reset token', reset);
        const next = `${password} next`;
        watch.secret('password', next);
        await op(() =>
          client.auth.confirmPasswordReset({ resetToken: `${reset}x`, newPassword: next }),
        );
        await op(() => client.auth.confirmPasswordReset({ resetToken: reset, newPassword: next }));
        const li4 = await op(() => client.auth.login({ email, password: next }));
        const last = `${next} last`;
        watch.secret('password', last);
        await op(() =>
          client.auth.changePassword(
            { currentPassword: 'wrong wrong wrong', newPassword: last },
            li4.accessToken!,
          ),
        );
        await op(() =>
          client.auth.changePassword(
            { currentPassword: next, newPassword: last },
            li4.accessToken!,
          ),
        );

        // Logout, revoke all, then the deleted user's token.
        const li5 = await op(() => client.auth.login({ email, password: last }));
        await op(() => client.sessions.revokeAll(li5.accessToken!, { keepCurrent: true }));
        await op(() => client.auth.logout(li5.accessToken!));
        await op(() => client.auth.logout(li5.accessToken!));
        await op(() => client.users.delete(su.user!.id));
        await op(() => client.auth.verifyToken(li5.accessToken!));

        // URL builders carry the login id only.
        for (const url of [
          client.auth.getLoginUrl({ redirectUrl: 'https://example.com/cb', state: 's' }),
          client.auth.getSocialLoginUrl({ provider: 'github' }),
          client.auth.getSsoUrl({ email: 'a@acme.example' }),
        ]) {
          watch.text('URL builder', url);
        }

        // Thrown: a rejected key (itself a secret), aborts, timeouts, nothing listening.
        const wrongKey = 'pk_live_this_is_the_wrong_key_0123456789';
        watch.secret('API key (wrong)', wrongKey);
        const bad = h.client({ apiKey: wrongKey, debug: watch.debug });
        await throwing(() => bad.users.list());
        await throwing(() => bad.auth.signUp({ email: freshEmail(), password }));
        await throwing(() => client.users.list({}, { signal: AbortSignal.abort() }));
        h.emulator.faults.add({ path: '/auth/login', delayMs: 2_000, times: 3 });
        await throwing(() => client.auth.login({ email, password: last }, { timeout: 50 }));
        h.emulator.faults.clear();
        h.emulator.faults.add({ path: '/auth/signup', drop: true, times: 3 });
        await throwing(() => client.auth.signUp({ email: freshEmail(), password }));
        h.emulator.faults.add({ path: '/auth/token/refresh', status: 503, times: 3 });
        await throwing(() => client.auth.refreshToken(li5.refreshToken!));
        h.emulator.faults.clear();
        const nowhere = new Protekt({
          loginId: h.emulator.project.loginId,
          apiKey: h.emulator.project.apiKey,
          baseUrl: 'http://127.0.0.1:9/v1',
          debug: watch.debug,
          maxRetries: 0,
        });
        await throwing(() => nowhere.auth.login({ email, password }));
        await throwing(() => nowhere.auth.verifyToken(li5.accessToken!));

        watch.client('client', client);
        watch.client('unreachable client', nowhere);
      }
      // Configuration mistakes name the option, never its value.
      for (const apiKey of [
        'pk_short',
        'sk_live_wrong_prefix_but_secret_123',
        `pk_${'x'.repeat(300)}`,
        'pk_has spaces in the secret key',
      ]) {
        watch.secret('API key (malformed)', apiKey);
        try {
          new Protekt({ loginId: h.emulator.project.loginId, apiKey });
          throw new Error('expected config_invalid');
        } catch (error) {
          expect(error).toMatchObject({ code: 'config_invalid' });
          watch.error('config error', error);
        }
        ops++;
        thrownCount++;
      }
    } finally {
      spy.mockRestore();
    }
    for (const line of consoleLines) watch.text('console.debug', line);
    expect(consoleLines.length).toBeGreaterThan(20);
    const [texts, secrets] = watch.assertClean();
    ledger.record(
      'Secrets',
      `every public operation with debug on (console.debug and a debug function), success and failure: ${ops} calls, ${failures} returned errors, ${thrownCount} thrown`,
      "no API key, password, token, code, TOTP secret or link in any debug line, error message, cause, stack, or JSON/inspect view of the client, results' errors and thrown errors",
      1,
    );
    ledger.record(
      'Secrets',
      `texts checked by the secrets suite × secrets handled (${secrets} distinct secrets)`,
      'no secret in any text',
      texts,
    );
  });
});
