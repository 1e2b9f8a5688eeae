/** `protekt.sessions`: a user's sessions, addressed with that user's access token. */
import type { EmptyResult, RequestOptions, RevokeAllResult, SessionListResult } from '../types.js';
import { boolean, text } from './validate.js';
import { arr, num, op, toSession, TOKEN, type MethodFactory } from './shared.js';

/** The `sessions` resource. */
export interface SessionsResource {
  /** The active sessions of the user of `accessToken`; `isCurrent` marks this token's own. */
  list(accessToken: string, options?: RequestOptions): Promise<SessionListResult>;
  /** Ends one session of the user ("sign out this device"). */
  revoke(sessionId: string, accessToken: string, options?: RequestOptions): Promise<EmptyResult>;
  /** Ends every session of the user ("sign out everywhere"), or every other one with `keepCurrent`. */
  revokeAll(accessToken: string, params?: { keepCurrent?: boolean }, options?: RequestOptions): Promise<RevokeAllResult>;
}

type Keep = { keepCurrent?: unknown };

/** @internal The methods of `sessions`, built per client by `resource()`. */
export const SESSIONS: Record<string, MethodFactory> = {
  list: op('GET /auth/sessions', [TOKEN], { sessions: (d) => arr(d, 'data').map(toSession) }),
  revoke: op('DELETE /auth/sessions/:sessionId', [['sessionId', text()], TOKEN]),
  // `params` may be left out (or be a boolean, ignored); `keep_current` is always sent.
  revokeAll: op(
    'DELETE /auth/sessions',
    [TOKEN, ['params', (value, field) => (typeof value === 'object' && value !== null ? boolean((value as Keep).keepCurrent, 'keepCurrent') : boolean(value, field))]],
    { revokedCount: num },
    (_, __, [, params]) => ({ keep_current: (params as Keep | undefined)?.keepCurrent === true }),
  ),
};
