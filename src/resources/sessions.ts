/** `protekt.sessions`: a user's sessions, addressed with that user's access token. */
import type { EmptyResult, RequestOptions, RevokeAllResult, SessionListResult } from '../types.js';
import { accessToken, boolean, text } from './validate.js';
import { arr, call, num, op, toSession, TOKEN, type MethodFactory } from './shared.js';

/** The `sessions` resource. */
export interface SessionsResource {
  /** The active sessions of the user of `accessToken`; `isCurrent` marks this token's own. */
  list(accessToken: string, options?: RequestOptions): Promise<SessionListResult>;
  /** Ends one session of the user ("sign out this device"). */
  revoke(sessionId: string, accessToken: string, options?: RequestOptions): Promise<EmptyResult>;
  /** Ends every session of the user ("sign out everywhere"), or every other one with `keepCurrent`. */
  revokeAll(accessToken: string, params?: { keepCurrent?: boolean }, options?: RequestOptions): Promise<RevokeAllResult>;
}

/** @internal The methods of `sessions`, built per client by `resource()`. */
export const SESSIONS: Record<string, MethodFactory> = {
  list: op('GET /auth/sessions', [TOKEN], { sessions: (d) => arr(d, 'data').map(toSession) }),
  revoke: op('DELETE /auth/sessions/:sessionId', [['sessionId', text()], TOKEN]),
  revokeAll: (ctx) => async (token: string, params: { keepCurrent?: boolean } = {}, options?: RequestOptions) =>
    call(
      ctx,
      accessToken(token, 'accessToken') ??
        (typeof params === 'object' && params !== null ? boolean(params.keepCurrent, 'keepCurrent', params) : boolean(params, 'params')),
      { revokedCount: num },
      () => ({ method: 'DELETE', path: '/auth/sessions', body: { keep_current: params.keepCurrent === true }, accessToken: token, options }),
    ),
};
