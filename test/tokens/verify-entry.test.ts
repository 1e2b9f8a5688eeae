/**
 * `@protekt/node/verify`: `createVerifier` takes the options of `new Protekt()`, checked the same
 * way, and its `verifyToken` answers as `protekt.auth.verifyToken` does. Portable.
 */
import { describe, expect, it } from 'vitest';
import { Protekt, type ProtektOptions } from '../../src/index.js';
import { createVerifier } from '../../src/verify/index.js';
import { freshEmail, testEmulator } from '../support/harness.js';

describe('createVerifier', () => {
  it('verifies as protekt.auth.verifyToken does: same user, claims and errors', async () => {
    const emulator = testEmulator();
    const user = await emulator.createUser({ email: freshEmail('entry'), emailVerified: true });
    const token = await emulator.issueAccessToken({ userId: user.id as string, expiresIn: 600 });
    const options: ProtektOptions = {
      loginId: emulator.project.loginId,
      apiKey: emulator.project.apiKey,
      fetch: emulator.fetch,
    };
    const verifier = createVerifier(options);
    const protekt = new Protekt(options);
    const [mine, theirs] = [
      await verifier.verifyToken(token),
      await protekt.auth.verifyToken(token),
    ];
    expect(mine.error).toBeNull();
    expect(mine).toEqual(theirs);
    const [h, p] = token.split('.');
    for (const bad of [`${h}.${p}.AAAA`, 'rt_refresh', '', `Bearer ${token}`]) {
      expect(await verifier.verifyToken(bad)).toEqual(await protekt.auth.verifyToken(bad));
    }
    expect(verifier).toMatchObject({
      loginId: options.loginId,
      baseUrl: 'https://auth.protekt.io/v1',
    });
    expect(JSON.stringify(verifier)).not.toContain(options.apiKey);
    expect(Object.isFrozen(verifier)).toBe(true);
  });

  it('refuses the options new Protekt() refuses, naming the option', () => {
    const good = { loginId: 'lp_project_1', apiKey: 'pk_secret_key_1' };
    for (const [bad, option] of [
      [{ ...good, apiKey: undefined }, 'apiKey'],
      [{ ...good, revocationCheck: { maxAge: -1 } }, 'revocationCheck.maxAge'],
      [{ ...good, revocationCach: {} }, 'revocationCache'],
      [{ ...good, baseUrl: 'http://example.com/v1' }, 'baseUrl'],
    ] as const) {
      expect(() => createVerifier(bad as unknown as ProtektOptions)).toThrow(
        expect.objectContaining({
          code: 'config_invalid',
          message: expect.stringContaining(option),
        }),
      );
      expect(() => new Protekt(bad as unknown as ProtektOptions)).toThrow(
        expect.objectContaining({ code: 'config_invalid' }),
      );
    }
  });
});
