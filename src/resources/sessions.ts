/** `protekt.sessions`: a user's sessions, addressed with that user's access token. */
import type { EmptyResult, RequestOptions, RevokeAllResult, SessionListResult } from '../types.js';
import { checkAccessToken, checkOptionalBoolean, checkString } from './validate.js';
import { arr, call, num, toSession, type ResourceContext } from './shared.js';

/** The `sessions` resource. */
export class SessionsResource {
  readonly #ctx: ResourceContext;

  /** @internal Built by the `Protekt` client. */
  constructor(ctx: ResourceContext) {
    this.#ctx = ctx;
  }

  /** The active sessions of the user of `accessToken`; `isCurrent` marks this token's own. */
  async list(accessToken: string, options?: RequestOptions): Promise<SessionListResult> {
    return call(this.#ctx, checkAccessToken(accessToken), ['sessions'], () => ({ method: 'GET', path: '/auth/sessions', accessToken, options }), (d) => ({
      sessions: arr(d, 'data').map(toSession),
    }));
  }

  /** Ends one session of the user ("sign out this device"). */
  async revoke(sessionId: string, accessToken: string, options?: RequestOptions): Promise<EmptyResult> {
    return call(this.#ctx, checkString(sessionId, 'sessionId') ?? checkAccessToken(accessToken), [], () => ({
      method: 'DELETE',
      path: `/auth/sessions/${encodeURIComponent(sessionId)}`,
      accessToken,
      options,
    }));
  }

  /** Ends every session of the user ("sign out everywhere"), or every other one with `keepCurrent`. */
  async revokeAll(accessToken: string, params: { keepCurrent?: boolean } = {}, options?: RequestOptions): Promise<RevokeAllResult> {
    return call(
      this.#ctx,
      checkAccessToken(accessToken) ??
        (typeof params === 'object' && params !== null ? checkOptionalBoolean(params.keepCurrent, 'keepCurrent') : checkOptionalBoolean(params, 'params')),
      ['revokedCount'],
      () => ({ method: 'DELETE', path: '/auth/sessions', body: { keep_current: params.keepCurrent === true }, accessToken, options }),
      (d) => ({ revokedCount: num(d, 'revoked_count') }),
    );
  }
}
