/** What an Account API handler is given: the request, authenticated and validated. */
import type { AccountRouteSpec } from '../../contract/account-routes.js';
import type { EmulatorState } from '../state.js';
import type { MemberRecord } from './store.js';

/** The member a management token belongs to. */
export interface Caller {
  readonly member: MemberRecord;
  readonly organizationId: string;
  /** The management token of the request (what `/token/revoke` ends). */
  readonly token: string;
}

/** One Account API request, authenticated and validated as its route requires. */
export interface AccountContext {
  readonly state: EmulatorState;
  readonly route: AccountRouteSpec;
  readonly request: Request;
  /** The member of the management token (absent on the `public` routes). */
  readonly caller: Caller | undefined;
  /** The validated body (null-prototype, declared fields only). */
  readonly body: Record<string, unknown>;
  /** The validated query. */
  readonly query: Record<string, unknown>;
  /** Path parameters. */
  readonly params: Record<string, string>;
  /** Extra headers for the answer (rate-limit headers). */
  readonly headers: Record<string, string>;
  /** The emulator clock's now (ms), read once per request. */
  readonly now: number;
}

/** An Account API route handler. */
export type AccountHandler = (c: AccountContext) => Promise<Response>;

/** The caller of a `management` route. */
export function callerOf(c: AccountContext): Caller {
  if (!c.caller) throw new Error('account route handler needs a management token');
  return c.caller;
}
