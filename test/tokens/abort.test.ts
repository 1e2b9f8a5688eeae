/**
 * A caller's AbortSignal is honoured at every stage of `verifyToken`: before the call, while the
 * keys load, while the key is imported and the signature checked, and during the revocation check.
 */
import { describe, expect, it } from 'vitest';
import { fakeWith } from './_helpers.js';

describe('verifyToken and the caller signal', () => {
  it('an abort right after the call rejects with aborted (cold key set)', async () => {
    const fake = await fakeWith('RS256');
    const v = fake.verifier();
    const controller = new AbortController();
    const pending = v.verify(await fake.sign(), { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'aborted' });
  });

  it('an abort right after the call rejects with aborted (keys cached, revocation off)', async () => {
    const fake = await fakeWith('RS256');
    const v = fake.verifier({ revocationCheck: false });
    expect((await v.verify(await fake.sign())).error).toBeNull();
    const controller = new AbortController();
    const pending = v.verify(await fake.sign(), { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'aborted' });
  });

  it('an abort right after the call rejects with aborted (keys cached, revocation on)', async () => {
    const fake = await fakeWith('RS256');
    const v = fake.verifier();
    expect((await v.verify(await fake.sign())).error).toBeNull();
    const controller = new AbortController();
    const pending = v.verify(await fake.sign(), { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'aborted' });
  });

  it('a signal aborted before the call rejects at once', async () => {
    const fake = await fakeWith('RS256');
    const v = fake.verifier();
    const token = await fake.sign();
    expect((await v.verify(token)).error).toBeNull();
    await expect(v.verify(token, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'aborted',
    });
  });
});
