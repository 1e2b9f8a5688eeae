/** `protekt.sessions`: a user's sessions, addressed with that user's access token. */
import type { EmptyResult, RequestOptions, RevokeAllResult, SessionListResult } from '../types.js';
import {
  bearerArg,
  describedBy,
  failedResult,
  field,
  operation,
  paramsArg,
  pathArg,
  type MethodBuilder,
  type MethodTable,
  type ResourceContext,
} from './operation.js';
import { boolean, inputError, pathId } from './validate.js';
import { listField, numberField, readSession } from './wire.js';

/** Parameters of `sessions.revokeAll`. */
export interface RevokeAllSessionsParams {
  /** Keeps the session of the access token used for the call ("sign out every other device"). */
  keepCurrent?: boolean | undefined;
}

/** The `sessions` resource. */
export interface SessionsResource {
  /** The active sessions of the user of `accessToken`; `isCurrent` marks this token's own. */
  list(accessToken: string, options?: RequestOptions): Promise<SessionListResult>;
  /** Ends one session of the user ("sign out this device"). */
  revoke(sessionId: string, accessToken: string, options?: RequestOptions): Promise<EmptyResult>;
  /**
   * Ends every session of the user ("sign out everywhere"), or every other one with `keepCurrent`.
   */
  revokeAll(
    accessToken: string,
    params?: RevokeAllSessionsParams,
    options?: RequestOptions,
  ): Promise<RevokeAllResult>;
}

const REVOKE_ALL_RESULT = { revokedCount: numberField('revoked_count') };

/** The request behind `sessions.revokeAll`, with its parameters always given. */
const revokeAllOperation = operation<
  (
    accessToken: string,
    params: RevokeAllSessionsParams,
    options?: RequestOptions,
  ) => Promise<RevokeAllResult>
>({
  route: 'DELETE /auth/sessions',
  args: [
    bearerArg(),
    paramsArg<RevokeAllSessionsParams>({ keepCurrent: field('keep_current', boolean) }),
  ],
  result: REVOKE_ALL_RESULT,
  ends: (endings, [accessToken, params]) =>
    endings.sessionsOfUser(
      accessToken as string,
      (params as RevokeAllSessionsParams).keepCurrent === true,
    ),
});

/**
 * `sessions.revokeAll`: its parameters may be left out (an older signature passed a boolean
 * there, which is ignored), and `keep_current` is always sent, so Protekt never has to guess.
 */
const revokeAll: MethodBuilder<SessionsResource['revokeAll']> = Object.assign(
  (context: ResourceContext, name: string): SessionsResource['revokeAll'] => {
    const revoke = revokeAllOperation(context, name);
    return async (accessToken, params, options) => {
      if (
        params !== undefined &&
        typeof params !== 'boolean' &&
        (typeof params !== 'object' || params === null)
      ) {
        return failedResult(
          REVOKE_ALL_RESULT,
          inputError('invalid_request', 'params', 'must be an object { keepCurrent } when given.'),
        );
      }
      const given: RevokeAllSessionsParams = typeof params === 'object' ? params : {};
      return revoke(accessToken, { keepCurrent: given.keepCurrent ?? false }, options);
    };
  },
  describedBy(revokeAllOperation),
);

/** @internal The methods of `sessions`, built per client by `buildResource()`. */
export const SESSIONS_METHODS = {
  list: operation({
    route: 'GET /auth/sessions',
    args: [bearerArg()],
    result: { sessions: listField('data', readSession) },
  }),
  revoke: operation({
    route: 'DELETE /auth/sessions/{sessionId}',
    args: [pathArg('sessionId', pathId), bearerArg()],
    result: {},
    ends: (endings, [sessionId]) => endings.session(sessionId as string),
  }),
  revokeAll,
} satisfies MethodTable<SessionsResource>;
