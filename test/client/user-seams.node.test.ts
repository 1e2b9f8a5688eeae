// The Node-only half of user-seams.test.ts: `Protekt.fromEnv()` reading `process.env`.
import { describe, expect, it } from 'vitest';
import { Protekt } from '../../src/index.js';

const loginId = 'lp_seams_project';
const apiKey = 'pk_seams_key_0123456789';

describe('Protekt.fromEnv (Node)', () => {
  const env = { PROTEKT_LOGIN_ID: loginId, PROTEKT_API_KEY: apiKey };

  it('without an env object, reads the process environment', () => {
    const saved = { ...process.env };
    Object.assign(process.env, env, { PROTEKT_BASE_URL: '' });
    try {
      expect(Protekt.fromEnv().toJSON()).toEqual({
        loginId,
        baseUrl: 'https://auth.protekt.io/v1',
      });
    } finally {
      for (const key of Object.keys(env).concat('PROTEKT_BASE_URL')) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});
