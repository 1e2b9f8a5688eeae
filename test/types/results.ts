/**
 * Type tests of the public surface, compiled by `tsc -p test/types` under `strict` and
 * `exactOptionalPropertyTypes`: results narrow as the docs write them, a misspelt error code does
 * not compile, and options accept `undefined`. A `@ts-expect-error` that stops erroring fails.
 */
import {
  hasErrorCode,
  type MfaRequiredError,
  Protekt,
  type ProtektApiError,
  ProtektError,
  type ProtektUser,
} from '@protekt/node';

declare const protekt: Protekt<{ plan: 'free' | 'pro' }>;
declare const code: string;

export async function loginWithMfa(email: string, password: string): Promise<string | null> {
  const login = await protekt.auth.login({ email, password });
  if (login.error?.code === 'mfa_required') {
    // Narrowed to the challenge: its token and methods are there.
    const challenge: MfaRequiredError = login.error;
    const done = await protekt.mfa.verifyLogin({ mfaToken: login.error.mfaToken, code });
    if (done.error) return null;
    return challenge.availableMethods.includes('totp') ? done.accessToken : done.refreshToken;
  }
  if (login.error) {
    // @ts-expect-error a misspelt known code is a compile error
    if (login.error.code === 'invalid_credentails') return null;
    switch (login.error.code) {
      case 'invalid_credentials':
      case 'account_locked':
        return null;
      default:
        // Codes newer than this version: compared by name at run time.
        return hasErrorCode(login.error, 'passkey_required') ? 'passkey' : null;
    }
  }
  // After the error checks, the success fields are set.
  const user: ProtektUser<{ plan: 'free' | 'pro' }> = login.user;
  const plan: 'free' | 'pro' = user.metadata.plan;
  return plan === 'pro' ? login.accessToken : login.refreshToken;
}

export async function guard(
  token: string,
): Promise<Response | ProtektUser<{ plan: 'free' | 'pro' }>> {
  const { user, error } = await protekt.auth.verifyToken(token);
  if (error) {
    const known: 'token_invalid' | 'token_expired' | 'token_revoked' | string = error.code;
    return new Response(known, { status: 401 });
  }
  return user;
}

export function errors(err: unknown, result: { error: ProtektApiError | null }): string {
  if (err instanceof ProtektError && err.code === 'timeout') return err.message;
  // @ts-expect-error not a code this version knows
  if (result.error?.code === 'no_such_code') return 'never';
  return result.error?.message ?? '';
}

// Options accept `undefined` under exactOptionalPropertyTypes (values read from an env, a config).
declare const maybe: { timeout?: number | undefined; baseUrl?: string | undefined };
export const client = new Protekt({
  loginId: 'lp_example',
  apiKey: 'pk_example_key',
  timeout: maybe.timeout,
  baseUrl: maybe.baseUrl,
  revocationCheck: { maxAge: undefined, failClosed: undefined },
  debug: undefined,
});
export const page = client.users.list({ limit: undefined, cursor: undefined, search: undefined });
export const verified = client.auth.verifyToken('t', { signal: undefined, timeout: undefined });
export const url = client.auth.getLoginUrl({ redirectUrl: undefined, state: undefined });
