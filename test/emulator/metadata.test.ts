import { describe, expect, it } from 'vitest';
import { createEmulator } from '../../src/testing/index.js';
import { METADATA_MAX_BYTES, METADATA_MAX_DEPTH } from '../../src/util/limits.js';

// The emulator refuses what the SDK refuses locally, with the same limits: nothing is silently
// truncated or stored half.
describe('metadata limits', () => {
  const emu = createEmulator({ pbkdf2Iterations: 1_000 });
  const signUp = (metadata: unknown) =>
    emu.fetch('https://auth.protekt.io/v1/auth/signup', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-protekt-key': emu.project.apiKey },
      body: JSON.stringify({
        email: `m${Math.random().toString(36).slice(2)}@example.com`,
        password: 'long enough pw',
        metadata,
      }),
    });
  const nested = (levels: number) => {
    let value: Record<string, unknown> = { leaf: true };
    for (let i = 1; i < levels; i++) value = { child: value };
    return value;
  };

  it('accepts metadata at the limits and keeps it whole', async () => {
    // nested(n) has objects at depths 0..n-1: the deepest allowed is at depth METADATA_MAX_DEPTH.
    const res = await signUp(nested(METADATA_MAX_DEPTH + 1));
    expect(res.status).toBe(201);
    const body = (await res.json()) as { user: { metadata: unknown } };
    expect(body.user.metadata).toEqual(nested(METADATA_MAX_DEPTH + 1));
  });

  it('the client accepts and refuses exactly the same depths', async () => {
    const { checkMetadata } = await import('../../src/resources/validate.js');
    expect(checkMetadata(nested(METADATA_MAX_DEPTH + 1))).toBeNull();
    expect(checkMetadata(nested(METADATA_MAX_DEPTH + 2))).toMatchObject({
      code: 'invalid_request',
    });
  });

  it('refuses metadata nested too deep or too large with 400 invalid_request', async () => {
    for (const metadata of [
      nested(METADATA_MAX_DEPTH + 2),
      { blob: 'x'.repeat(METADATA_MAX_BYTES) },
    ]) {
      const res = await signUp(metadata);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        error: { code: 'invalid_request', details: { field: 'metadata' } },
      });
    }
    expect(emu.store.users()).toHaveLength(1);
  });
});
