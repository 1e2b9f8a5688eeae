/**
 * `createEmulator()`: a local, in-memory Protekt behind a `fetch` function.
 */
import type { Hono } from 'hono';
import { buildApp, apiPath } from './app.js';
import { createClock, type EmulatorClock } from './clock.js';
import {
  createFaults,
  redactHeaders,
  type FaultRegistry,
  type FaultSpec,
  type Faults,
  type RequestRecord,
} from './faults.js';
import { errorResponse } from './http.js';
import { KeyRing, isSigningAlgorithm, type PublicJwk, type SigningAlgorithm } from './keys.js';
import { Lockout, RateLimiter, resolveRateLimits, type RateLimitOptions } from './limits.js';
import { createOutbox, type Outbox } from './outbox.js';
import { hashPassword } from './password.js';
import { openSessionFor, signAccessToken, userJson } from './sessions.js';
import type { EmulatorState } from './state.js';
import { Store, normalizeEmail, type EmulatorProject, type ProjectSettings } from './store.js';
import { cleanMetadata } from './handlers/common.js';
import { AccountStore } from './account/store.js';
import { randomToken } from './random.js';
import { CONTROL_PREFIX, type ControlContext, handleControl } from './control/index.js';
import { resetEmulator } from './control/reset.js';
import { isEmail } from '../contract/schema.js';

/** Options of {@link createEmulator}. */
export interface EmulatorOptions {
  /** PBKDF2 iterations for password hashes (default 100 000; tests may pass e.g. 1 000). */
  pbkdf2Iterations?: number;
  /** Algorithm of the first signing key (default `RS256`). */
  algorithm?: SigningAlgorithm | undefined;
  /** Initial emulator time in ms since the epoch (default: real time). */
  now?: number | undefined;
  /** Rate limits and lockout (defaults in {@link RateLimitOptions}). */
  rateLimits?: RateLimitOptions | undefined;
  /** Settings of the default project. */
  project?: ProjectSettings | undefined;
  /** More projects to create up front (`emulator.projects[1…]`). */
  projects?: ProjectSettings[] | undefined;
  /**
   * The owner of the emulator's organisation, who signs in to the Account API (`POST /token`):
   * default e-mail `owner@example.com` and a random password (`emulator.account` shows both).
   */
  account?: { email?: string | undefined; password?: string | undefined } | undefined;
  /**
   * Issuer used by {@link Emulator.issueAccessToken} and {@link Emulator.signToken} by default
   * (`https://auth.protekt.io`).
   */
  issuer?: string | undefined;
}

/** Options of {@link Emulator.signToken}. */
export interface SignTokenOptions {
  /** Header entries overriding `{ alg, kid, typ: 'JWT' }`. */
  header?: Record<string, unknown> | undefined;
  /** Which key signs (only the current key today). */
  key?: 'current' | undefined;
}

/** Options of {@link Emulator.issueAccessToken}. */
export interface IssueAccessTokenOptions {
  /** The user (must exist). */
  userId: string;
  /** The user's project (default: the default project). */
  projectId?: string | undefined;
  /** Lifetime in seconds (default: the project's `tokenExpiry`; not clamped). */
  expiresIn?: number | undefined;
  /** Claims added to (or overriding) the usual ones. */
  extraClaims?: Record<string, unknown> | undefined;
  /** Issuer (default: the emulator's `issuer` option). */
  issuer?: string | undefined;
}

/** Options of {@link Emulator.createUser}. */
export interface CreateUserOptions {
  /** E-mail address (must be free in the project). */
  email: string;
  /** Password (hashed like sign-up); absent = a passwordless user. */
  password?: string | undefined;
  /** Whether the address counts as verified (default false). */
  emailVerified?: boolean | undefined;
  /** Metadata (sanitized like the API's: no prototype-polluting keys). */
  metadata?: Record<string, unknown> | undefined;
  /** Default: the default project. */
  projectId?: string | undefined;
}

/**
 * Where an organisation's member signs in to the emulator's Account API: its base URL (on the
 * emulator's origin, below `/account/v1`) and the owner's credentials for `POST /token`.
 */
export interface EmulatorAccount {
  /** The Account API base URL in-process (the client's `accountBaseUrl`). */
  readonly baseUrl: string;
  /** The owner's e-mail address. */
  readonly email: string;
  /** The owner's password. */
  readonly password: string;
}

/** A read-only peek into the emulator's data, for assertions. Go through the API for behaviour. */
export interface EmulatorStoreView {
  /** The `User` JSON of every user of a project (default project by default), in creation order. */
  users(projectId?: string): Record<string, unknown>[];
  /** The `User` JSON of one user by id or e-mail, or `undefined`. */
  user(idOrEmail: string, projectId?: string): Record<string, unknown> | undefined;
  /** Sessions of a user (active and ended). */
  sessions(userId: string): {
    id: string;
    active: boolean;
    createdAt: number;
    endedAt: number | null;
    ip: string;
    userAgent: string;
  }[];
}

/** A running emulator. */
export interface Emulator {
  /**
   * The emulator as a `fetch` function: pass it as the client's `fetch` option, call it from a
   * Worker or `Deno.serve` handler, or put it behind a Node server (`serveEmulator`). An arrow
   * function property, so it can be passed around unbound.
   */
  readonly fetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
  /** The default project. */
  readonly project: EmulatorProject;
  /**
   * What a client needs to reach this emulator in-process as its default project: its `loginId`,
   * `apiKey` and this emulator's `fetch`. `new Protekt({ ...emulator.clientOptions, debug: true })`.
   * (Spreading `emulator.project` itself passes its settings too, which the client refuses as
   * unknown options.)
   */
  readonly clientOptions: {
    readonly loginId: string;
    readonly apiKey: string;
    /** The emulator's Account API (for `managementToken` calls), on the same `fetch`. */
    readonly accountBaseUrl: string;
    readonly fetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
  };
  /**
   * The organisation that owns the default project, for the Account API: `baseUrl` (in-process;
   * `protekt-emulator` prints its own) and the owner's `email` and `password`, which
   * `Protekt.getManagementToken` exchanges for a management token.
   */
  readonly account: EmulatorAccount;
  /**
   * Adds an organisation of its own (its projects, keys, members and usage are invisible to the
   * others) and returns where its owner signs in.
   */
  createOrganization(owner?: { email?: string; password?: string }): EmulatorAccount;
  /** Every live project, the default one first (deleted ones are gone, API-made ones are in). */
  readonly projects: readonly EmulatorProject[];
  /** Adds a project. All projects share one issuer and one JWKS. */
  createProject(settings?: ProjectSettings): EmulatorProject;
  /** What would have been e-mailed or texted. */
  readonly outbox: Outbox;
  /** The clock every time-based rule reads. */
  readonly clock: EmulatorClock;
  /** Fault injection, and `faults.hits(path)` request counts. */
  readonly faults: Faults;
  /**
   * The latest requests, oldest first (secrets redacted, `idempotencyKey` kept): at most 10 000,
   * and fewer when they are huge (8 Mi characters of URLs and headers in all).
   */
  readonly requests: readonly RequestRecord[];
  /** Makes a new signing key current; the old one stays published until its tokens have expired. */
  rotateKeys(options?: { alg?: SigningAlgorithm }): Promise<{ kid: string; alg: SigningAlgorithm }>;
  /** The JWKS as served at `/v1/.well-known/jwks.json`. */
  jwks(): Promise<{ keys: PublicJwk[] }>;
  /** Signs an arbitrary payload with the current key (edge cases: odd `exp`, wrong `aud`, …). */
  signToken(payload: Record<string, unknown>, options?: SignTokenOptions): Promise<string>;
  /**
   * Opens a session for an existing user and returns its access token (revocable like any other).
   */
  issueAccessToken(options: IssueAccessTokenOptions): Promise<string>;
  /** Creates a user directly (a shortcut for test setup); returns its `User` JSON. */
  createUser(options: CreateUserOptions): Promise<Record<string, unknown>>;
  /** Read helpers over the data. */
  readonly store: EmulatorStoreView;
}

const DROP_MESSAGE = 'fetch failed: the emulator dropped the connection (injected fault)';

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const FAULT_CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'token_invalid',
  403: 'forbidden',
  404: 'not_found',
  408: 'request_timeout',
  409: 'conflict',
  429: 'rate_limited',
  500: 'internal_error',
  501: 'not_implemented',
  502: 'bad_gateway',
  503: 'service_unavailable',
  504: 'gateway_timeout',
};

/** Applies a fault; `null` means "carry on normally" (a pure delay). */
async function applyFault(spec: FaultSpec, request: Request): Promise<Response | null> {
  if (spec.delayMs !== undefined && spec.delayMs > 0) await sleep(spec.delayMs, request.signal);
  if (spec.drop) throw new TypeError(DROP_MESSAGE);
  if (spec.status === undefined && spec.body === undefined && spec.headers === undefined)
    return null;
  const status = spec.status ?? 500;
  const headers: Record<string, string> = { ...(spec.headers ?? {}) };
  if (spec.retryAfter !== undefined) headers['retry-after'] = String(spec.retryAfter);
  if (spec.body !== undefined) {
    const h = new Headers({ 'content-type': 'application/json' });
    for (const [k, v] of Object.entries(headers)) h.set(k, v);
    return new Response(status === 204 || status === 304 ? null : spec.body, {
      status,
      headers: h,
    });
  }
  const code = FAULT_CODES[status] ?? 'injected_fault';
  const details =
    status === 429 && typeof spec.retryAfter === 'number'
      ? { retry_after: spec.retryAfter }
      : undefined;
  return errorResponse(code, status, `Injected fault (HTTP ${status}).`, details, headers);
}

function toRequest(input: RequestInfo | URL, init?: RequestInit): Request {
  if (typeof input === 'string' && input.startsWith('/'))
    return new Request(`http://localhost${input}`, init);
  return new Request(input, init);
}

/** Validates the options and builds the state every handler shares. */
function createState(options: EmulatorOptions): EmulatorState {
  const algorithm = options.algorithm ?? 'RS256';
  if (!isSigningAlgorithm(algorithm))
    throw new TypeError(`createEmulator: unsupported algorithm ${String(algorithm)}`);
  const iterations = options.pbkdf2Iterations ?? 100_000;
  if (!Number.isSafeInteger(iterations) || iterations < 1)
    throw new TypeError('createEmulator: pbkdf2Iterations must be a positive integer');
  const clock = createClock(options.now);
  return {
    clock,
    outbox: createOutbox(),
    keys: new KeyRing(clock, algorithm),
    store: new Store(),
    limiter: new RateLimiter(),
    lockout: new Lockout(),
    limits: resolveRateLimits(options.rateLimits),
    pbkdf2Iterations: iterations,
    account: new AccountStore(iterations),
  };
}

/**
 * What the object {@link createEmulator} returns delegates to: the state, the fault registry, the
 * projects and the Hono app. Kept apart so the returned object stays a plain one (own, enumerable
 * properties, methods that work unbound).
 */
class EmulatorCore implements EmulatorStoreView {
  readonly state: EmulatorState;
  readonly faults: FaultRegistry = createFaults();
  private readonly options: EmulatorOptions;
  private readonly defaultIssuer: string;
  // Projects get their random ids on first use, not here: Workers refuse random values in
  // global scope, and `const emulator = createEmulator()` at the top of a Worker must work.
  private readonly projectList: EmulatorProject[] = [];
  private app: Hono | undefined;

  /** Checks the options and builds the state; creates no project yet. */
  constructor(options: EmulatorOptions) {
    this.state = createState(options);
    this.options = options;
    this.defaultIssuer = options.issuer ?? 'https://auth.protekt.io';
  }

  /** Every project, the default one first; creates the configured ones on first call. */
  ensureProjects(): EmulatorProject[] {
    const { projectList, options, state } = this;
    if (projectList.length === 0) {
      const now = state.clock.now();
      this.defaultAccount();
      projectList.push(state.store.addProject(options.project, { now }));
      for (const p of options.projects ?? []) projectList.push(state.store.addProject(p, { now }));
    }
    return projectList;
  }

  /** Every live project (API-made ones too, not the deleted), the default one first. */
  liveProjects(): EmulatorProject[] {
    this.ensureProjects();
    return [...this.state.store.projects.values()];
  }

  /** The default organisation's sign-in, created on first use (random password unless given). */
  defaultAccount(): EmulatorAccount {
    const { account, clock } = this.state;
    const owner = () => ({
      email: this.options.account?.email ?? 'owner@example.com',
      password: this.options.account?.password ?? randomToken('pw_', 18),
    });
    return this.accountOf(account.defaultOrganization(owner, clock.now()));
  }

  /** {@link Emulator.createOrganization}. */
  createOrganization(owner: { email?: string; password?: string } = {}): EmulatorAccount {
    this.ensureProjects();
    const id = this.state.account.addOrganization(
      {
        email: owner.email ?? `owner.${this.state.account.organizations.size + 1}@example.com`,
        password: owner.password ?? randomToken('pw_', 18),
      },
      this.state.clock.now(),
    );
    return this.accountOf(id);
  }

  private accountOf(organizationId: string): EmulatorAccount {
    const { email, password } = this.state.account.organizations.get(organizationId)!;
    return { baseUrl: this.accountBaseUrl, email, password };
  }

  /** The Account API base URL in-process: `/account/v1` on the issuer's origin. */
  get accountBaseUrl(): string {
    return `${new URL(this.defaultIssuer).origin}/account/v1`;
  }

  /** Adds a project after the configured ones. */
  createProject(settings?: ProjectSettings): EmulatorProject {
    this.ensureProjects();
    const p = this.state.store.addProject(settings, { now: this.state.clock.now() });
    this.projectList.push(p);
    return p;
  }

  /** A project by id (the default project for `undefined`); throws for an unknown id. */
  projectFor(projectId: string | undefined): EmulatorProject {
    const projects = this.ensureProjects();
    const p = projectId === undefined ? projects[0]! : this.state.store.projects.get(projectId);
    if (!p) throw new TypeError(`unknown projectId ${String(projectId)}`);
    return p;
  }

  /**
   * {@link Emulator.fetch}: logs the request, applies a "before" fault, runs the app, then applies
   * an "after" fault.
   */
  async fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = toRequest(input, init);
    if (request.signal.aborted) throw abortReason(request.signal);
    this.ensureProjects();
    const url = new URL(request.url);
    // The control plane and dashboard: never logged, never faulted.
    if (url.pathname === CONTROL_PREFIX || url.pathname.startsWith(`${CONTROL_PREFIX}/`))
      return await handleControl(this.controlContext(), request);
    const path = apiPath(url) ?? url.pathname;
    const method = request.method.toUpperCase();
    this.faults.record({
      method,
      path,
      url: request.url,
      headers: redactHeaders(request.headers),
      idempotencyKey: request.headers.get('idempotency-key'),
      at: this.state.clock.now(),
    });
    const before = this.faults.take(method, path, 'before');
    if (before) {
      const faulted = await applyFault(before, request);
      if (faulted) return faulted;
    }
    const response = await this.runApp(request);
    const after = this.faults.take(method, path, 'after');
    if (after) {
      const faulted = await applyFault(after, request);
      if (faulted) return faulted;
    }
    if (request.signal.aborted) throw abortReason(request.signal);
    return response;
  }

  /** What the control plane reaches (see `control/`). */
  private controlContext(): ControlContext {
    return {
      state: this.state,
      faults: this.faults,
      // The store's list: projects made or deleted through the Account API included.
      projects: () => {
        this.ensureProjects();
        return [...this.state.store.projects.values()];
      },
      callApi: (request) => this.runApp(request),
      reset: () => resetEmulator(this.state, this.faults),
    };
  }

  /** The app's answer (built on first use); a throw becomes a 500 `internal_error`. */
  private async runApp(request: Request): Promise<Response> {
    this.app ??= buildApp(this.state);
    try {
      return await this.app.fetch(request);
    } catch {
      return errorResponse(
        'internal_error',
        500,
        'The emulator failed unexpectedly (this is a bug in the emulator).',
      );
    }
  }

  /** {@link Emulator.issueAccessToken}. */
  async issueAccessToken(opts: IssueAccessTokenOptions): Promise<string> {
    const { state } = this;
    const project = this.projectFor(opts.projectId);
    const user = state.store.userById(project.projectId, opts.userId);
    if (!user) throw new TypeError(`issueAccessToken: unknown user ${opts.userId}`);
    const issuer = opts.issuer ?? this.defaultIssuer;
    const expiresIn = opts.expiresIn ?? project.settings.tokenExpiry;
    const client = { ip: '127.0.0.1', userAgent: 'emulator' };
    const body = await openSessionFor(state, issuer, project, user, client, expiresIn);
    if (opts.extraClaims === undefined) return body['access_token'] as string;
    const sid = [...state.store.sessions.values()].filter((s) => s.userId === user.id).at(-1)?.id;
    return signAccessToken(state, issuer, project, user, sid, expiresIn, opts.extraClaims);
  }

  /** {@link Emulator.createUser}. */
  async createUser(opts: CreateUserOptions): Promise<Record<string, unknown>> {
    const { store, pbkdf2Iterations, clock } = this.state;
    const project = this.projectFor(opts.projectId);
    if (!isEmail(opts.email)) throw new TypeError('createUser: invalid e-mail address');
    if (store.userByEmail(project.projectId, opts.email))
      throw new TypeError('createUser: e-mail already taken');
    const user = store.createUser(project.projectId, {
      email: normalizeEmail(opts.email),
      emailVerified: opts.emailVerified ?? false,
      password:
        opts.password === undefined ? null : await hashPassword(opts.password, pbkdf2Iterations),
      metadata: cleanMetadata(opts.metadata ?? {}),
      now: clock.now(),
    });
    return userJson(user);
  }

  /** {@link EmulatorStoreView.users}. */
  users(projectId?: string): Record<string, unknown>[] {
    const p = this.projectFor(projectId);
    return [...this.state.store.users.values()]
      .filter((u) => u.projectId === p.projectId)
      .map(userJson);
  }

  /** {@link EmulatorStoreView.user}. */
  user(idOrEmail: string, projectId?: string): Record<string, unknown> | undefined {
    const { store } = this.state;
    const p = this.projectFor(projectId);
    const u = store.userById(p.projectId, idOrEmail) ?? store.userByEmail(p.projectId, idOrEmail);
    return u ? userJson(u) : undefined;
  }

  /** {@link EmulatorStoreView.sessions}. */
  sessions(userId: string): ReturnType<EmulatorStoreView['sessions']> {
    return [...this.state.store.sessions.values()]
      .filter((s) => s.userId === userId)
      .map((s) => ({
        id: s.id,
        active: s.endedAt === null,
        createdAt: s.createdAt,
        endedAt: s.endedAt,
        ip: s.ip,
        userAgent: s.userAgent,
      }));
  }
}

/**
 * The state behind each emulator, for the emulator's own tests (the sizes of its bounded maps).
 * Created on first use: nothing runs at module scope.
 */
let states: WeakMap<Emulator, EmulatorState> | undefined;

/**
 * Creates an in-memory Protekt. Cheap and free of side effects: identifiers, keys and the clock
 * offset are produced on first use, so it may be called in a Worker's global scope.
 *
 * @example
 * const emu = createEmulator({ pbkdf2Iterations: 1_000 });
 * const res = await emu.fetch('https://auth.protekt.io/v1/auth/signup', {
 *   method: 'POST',
 *   headers: { 'content-type': 'application/json', 'x-protekt-key': emu.project.apiKey },
 *   body: JSON.stringify({ email: 'ada@example.com', password: 'correct horse' }),
 * });
 */
export function createEmulator(options: EmulatorOptions = {}): Emulator {
  const core = new EmulatorCore(options);
  const emulator = emulatorObject(core);
  states ??= new WeakMap();
  states.set(emulator, core.state);
  return emulator;
}

/**
 * The shared state behind an emulator made by {@link createEmulator}, or `undefined`. For the
 * emulator's own tests (they assert the sizes of its bounded maps); not part of the package.
 *
 * @internal
 */
export function stateOf(emulator: Emulator): EmulatorState | undefined {
  return states?.get(emulator);
}

/**
 * The object {@link createEmulator} returns: own properties that work unbound
 * (`const { fetch } = emulator`); the work is done by `core`.
 */
function emulatorObject(core: EmulatorCore): Emulator {
  const { state, faults } = core;
  // Not `async`: re-wrapping core's promise makes workerd report its rejection as unhandled.
  const fetch: Emulator['fetch'] = (input, init) => core.fetch(input, init);
  return {
    fetch,
    get project() {
      return core.ensureProjects()[0]!;
    },
    get clientOptions() {
      const { loginId, apiKey } = core.ensureProjects()[0]!;
      return { loginId, apiKey, accountBaseUrl: core.accountBaseUrl, fetch };
    },
    get account() {
      return core.defaultAccount();
    },
    createOrganization: (owner) => core.createOrganization(owner),
    get projects() {
      return core.liveProjects();
    },
    createProject(settings?: ProjectSettings) {
      return core.createProject(settings);
    },
    outbox: state.outbox,
    clock: state.clock,
    faults,
    get requests() {
      return faults.requests;
    },
    rotateKeys: (opts) => state.keys.rotate(opts?.alg),
    jwks: () => state.keys.jwks(),
    signToken: (payload, opts) => state.keys.sign(payload, opts?.header),
    async issueAccessToken(opts) {
      return core.issueAccessToken(opts);
    },
    async createUser(opts) {
      return core.createUser(opts);
    },
    store: {
      users(projectId?: string) {
        return core.users(projectId);
      },
      user(idOrEmail: string, projectId?: string) {
        return core.user(idOrEmail, projectId);
      },
      sessions(userId: string) {
        return core.sessions(userId);
      },
    },
  };
}
