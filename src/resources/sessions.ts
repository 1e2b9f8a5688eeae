/** `protekt.sessions`: a user's sessions, addressed with that user's access token. */
import type { EmptyResult, RequestOptions, RevokeAllResult, SessionListResult } from '../types.js';
import { checkOptionalBoolean, checkString } from './validate.js';
import { arr, call, failure, num, toSession, type ResourceContext } from './shared.js';

/** The `sessions` resource. */
export class SessionsResource {
  readonly #ctx: ResourceContext;

  /** @internal Built by the `Protekt` client. */
  constructor(ctx: ResourceContext) {
    this.#ctx = ctx;
  }

  /** The active sessions of the user of `accessToken`; `isCurrent` marks this token's own. */
  async list(accessToken: string, options?: RequestOptions): Promise<SessionListResult> {
    const invalid = checkString(accessToken, 'accessToken', 'token_invalid');
    if (invalid) return failure(['sessions'], invalid);
    return call(this.#ctx, { method: 'GET', path: '/auth/sessions', accessToken, options }, ['sessions'], (d) => ({
      sessions: arr(d, 'data').map(toSession),
    }));
  }

  /** Ends one session of the user ("sign out this device"). */
  async revoke(sessionId: string, accessToken: string, options?: RequestOptions): Promise<EmptyResult> {
    const invalid = checkString(sessionId, 'sessionId') ?? checkString(accessToken, 'accessToken', 'token_invalid');
    if (invalid) return { error: invalid };
    return call(this.#ctx, { method: 'DELETE', path: `/auth/sessions/${encodeURIComponent(sessionId)}`, accessToken, options }, [], () => ({}));
  }

  /** Ends every session of the user ("sign out everywhere"), or every other one with `keepCurrent`. */
  async revokeAll(accessToken: string, params: { keepCurrent?: boolean } = {}, options?: RequestOptions): Promise<RevokeAllResult> {
    const invalid =
      checkString(accessToken, 'accessToken', 'token_invalid') ??
      (typeof params === 'object' && params !== null ? checkOptionalBoolean(params.keepCurrent, 'keepCurrent') : checkOptionalBoolean(params, 'params'));
    if (invalid) return failure(['revokedCount'], invalid);
    const body = { keep_current: params.keepCurrent === true };
    return call(this.#ctx, { method: 'DELETE', path: '/auth/sessions', body, accessToken, options }, ['revokedCount'], (d) => ({
      revokedCount: num(d, 'revoked_count'),
    }));
  }
}
