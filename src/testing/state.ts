/** The emulator's shared state and the per-request context handed to route handlers. */
import type { RouteSpec } from '../contract/routes.js';
import type { EmulatorClock } from './clock.js';
import type { KeyRing } from './keys.js';
import type { Lockout, RateLimiter, ResolvedRateLimits } from './limits.js';
import type { WritableOutbox } from './outbox.js';
import type { EmulatorProject, Store } from './store.js';
import type { AccountStore } from './account/store.js';

/** Everything the handlers share. */
export interface EmulatorState {
  readonly clock: EmulatorClock;
  readonly outbox: WritableOutbox;
  readonly keys: KeyRing;
  readonly store: Store;
  readonly limiter: RateLimiter;
  readonly lockout: Lockout;
  readonly limits: ResolvedRateLimits;
  readonly pbkdf2Iterations: number;
  /** Organisations, members, management tokens and usage (the Account API's data). */
  readonly account: AccountStore;
}

/** Where a request came from, as recorded on its session. */
export interface ClientInfo {
  readonly ip: string;
  readonly userAgent: string;
}

/** One request, authenticated and validated as its route requires. */
export interface OpContext {
  readonly state: EmulatorState;
  readonly route: RouteSpec;
  readonly request: Request;
  readonly url: URL;
  /**
   * Origin of the request URL: the token issuer and the start of every redirect and form action.
   * In-process it is the caller's own URL; behind `serveEmulator` the server's printed origin,
   * never a Host header (src/cli/serve.ts builds the URL).
   */
  readonly origin: string;
  /** The project (absent on `public` routes). */
  readonly project: EmulatorProject | undefined;
  /** The validated body (null-prototype, declared fields only). */
  readonly body: Record<string, unknown>;
  /** The validated query. */
  readonly query: Record<string, unknown>;
  /** Path parameters. */
  readonly params: Record<string, string>;
  readonly client: ClientInfo;
  /** Extra headers for the answer, success or error (rate-limit headers). */
  readonly headers: Record<string, string>;
  /** The emulator clock's now (ms), read once per request. */
  readonly now: number;
}

/** A route handler. */
export type Handler = (c: OpContext) => Promise<Response>;

/** Reads the client IP from proxy headers, else `127.0.0.1`. */
export function clientInfo(request: Request): ClientInfo {
  const fwd = request.headers.get('x-forwarded-for');
  const cf = request.headers.get('cf-connecting-ip');
  const ip = (fwd ? fwd.split(',')[0]!.trim() : '') || cf?.trim() || '127.0.0.1';
  return {
    ip: ip.slice(0, 64),
    userAgent: (request.headers.get('user-agent') ?? '').slice(0, 512),
  };
}

/** The project of a context; handlers of non-public routes always have one. */
export function projectOf(c: OpContext): EmulatorProject {
  if (!c.project) throw new Error('route handler needs a project');
  return c.project;
}
