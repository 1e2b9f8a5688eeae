/** Fault injection and the request log. */

/** A fault to inject into the next matching request(s). */
export interface FaultSpec {
  /** Path below `/v1` (exact, query ignored), e.g. `'/auth/login'`, or a RegExp tested on it. */
  path: string | RegExp;
  /** Only for this method (case-insensitive); any method when absent. */
  method?: string | undefined;
  /** How many matching requests it applies to (default 1; `Infinity` for all). */
  times?: number | undefined;
  /** Answer with this status instead of processing the request. */
  status?: number | undefined;
  /** `Retry-After` header: seconds, or an HTTP date string. */
  retryAfter?: number | string | undefined;
  /** Wait this long (real timers) first, honouring the request's abort signal. */
  delayMs?: number | undefined;
  /** Reject `fetch` with a `TypeError`, as a dropped connection does. */
  drop?: boolean | undefined;
  /** Raw answer body (e.g. non-JSON or truncated JSON) instead of the JSON error envelope. */
  body?: string | undefined;
  /** Extra answer headers. */
  headers?: Record<string, string> | undefined;
  /**
   * Apply after the emulator has processed the request: the request takes effect, then its
   * answer is replaced (status/body) or lost (`drop`). Tests idempotent retries. Default false.
   */
  after?: boolean | undefined;
}

/** One request the emulator saw (secrets redacted). */
export interface RequestRecord {
  /** Upper-case method. */
  readonly method: string;
  /** Path below `/v1` (or the raw path when it is not under `/v1`). */
  readonly path: string;
  /** The full URL (query included). */
  readonly url: string;
  /** Lower-case header names; `authorization`, `x-protekt-key` and `cookie` values redacted. */
  readonly headers: Readonly<Record<string, string>>;
  /** The `Idempotency-Key` header, or `null`. */
  readonly idempotencyKey: string | null;
  /** Emulator clock time (ms). */
  readonly at: number;
}

/** A registered fault; `remove()` withdraws it early. */
export interface FaultHandle {
  /** How many requests it still applies to. */
  readonly remaining: number;
  /** Withdraws the fault. */
  remove(): void;
}

/** Fault injection controls. */
export interface Faults {
  /** Registers a fault. Faults are matched in the order they were added; one fault per request. */
  add(spec: FaultSpec): FaultHandle;
  /** Removes every fault. */
  clear(): void;
  /**
   * How many logged requests were for a path (string: exact; RegExp: tested), optionally by method.
   */
  hits(path: string | RegExp, method?: string): number;
}

interface ActiveFault {
  spec: FaultSpec;
  remaining: number;
}

/** Emulator-internal fault registry. */
export interface FaultRegistry extends Faults {
  /** Takes (and consumes one use of) the first fault matching a request in a phase. */
  take(method: string, path: string, phase: 'before' | 'after'): FaultSpec | undefined;
  /** Records a request. */
  record(entry: RequestRecord): void;
  /** The request log. */
  readonly requests: readonly RequestRecord[];
  /** Forgets the request log. */
  clearRequests(): void;
  /** The faults still to apply, in order, with their remaining uses (the control plane lists them). */
  active(): { spec: FaultSpec; remaining: number }[];
}

function pathMatches(pattern: string | RegExp, path: string): boolean {
  if (typeof pattern === 'string') return pattern === path;
  pattern.lastIndex = 0;
  return pattern.test(path);
}

/** How many requests the log keeps (the oldest are forgotten first). */
export const MAX_LOGGED_REQUESTS = 10_000;

/**
 * How many characters of URLs and headers the log keeps in all (the oldest requests are forgotten
 * first): 4 Mi characters measured 4.2 MB of heap. An SDK request logs about 300 characters, so
 * 10,000 of them fit; this bites only when requests are huge, as 10,000 of 16 KiB each
 * (4,096-character query parameters, or headers at Node's limit) would otherwise hold 160 MB.
 */
export const MAX_LOGGED_CHARS = 4 * 1024 * 1024;

/** The characters a logged request holds: its URL and every header name and value. */
function loggedChars(entry: RequestRecord): number {
  let n = entry.url.length + entry.path.length;
  for (const [name, value] of Object.entries(entry.headers)) n += name.length + value.length;
  return n;
}

/**
 * The request log, newest last: at most {@link MAX_LOGGED_REQUESTS} requests and
 * {@link MAX_LOGGED_CHARS} characters, so a long-running `protekt-emulator` does not grow without
 * end under any traffic.
 */
function createRequestLog(): {
  readonly requests: RequestRecord[];
  record(entry: RequestRecord): void;
  clear(): void;
} {
  const requests: RequestRecord[] = [];
  const sizes: number[] = [];
  let chars = 0;
  return {
    requests,
    record(entry) {
      requests.push(Object.freeze(entry));
      const size = loggedChars(entry);
      sizes.push(size);
      chars += size;
      while (
        requests.length > MAX_LOGGED_REQUESTS ||
        (chars > MAX_LOGGED_CHARS && requests.length > 1)
      ) {
        requests.shift();
        chars -= sizes.shift() ?? 0;
      }
    },
    clear() {
      requests.length = 0;
      sizes.length = 0;
      chars = 0;
    },
  };
}

/** Checks a spec and copies it into a fault with its `times` (default 1) still to go. */
function activeFault(spec: FaultSpec): ActiveFault {
  const times = spec.times ?? 1;
  if (!(times > 0)) throw new TypeError('faults.add: times must be a positive number');
  if (typeof spec.path !== 'string' && !(spec.path instanceof RegExp))
    throw new TypeError('faults.add: path must be a string or RegExp');
  return { spec: { ...spec }, remaining: times };
}

/** The caller's handle on a fault: its remaining uses, and `remove()` through `withdraw`. */
function faultHandle(entry: ActiveFault, withdraw: (entry: ActiveFault) => void): FaultHandle {
  return {
    get remaining() {
      return entry.remaining;
    },
    remove() {
      withdraw(entry);
    },
  };
}

/** Whether a fault with uses left applies to a request in a phase. */
function faultApplies(
  f: ActiveFault,
  method: string,
  path: string,
  phase: 'before' | 'after',
): boolean {
  if (f.remaining <= 0) return false;
  if (Boolean(f.spec.after) !== (phase === 'after')) return false;
  if (f.spec.method && f.spec.method.toUpperCase() !== method) return false;
  return pathMatches(f.spec.path, path);
}

/** Creates an empty registry. */
export function createFaults(): FaultRegistry {
  let active: ActiveFault[] = [];
  const log = createRequestLog();
  const { requests } = log;
  const withdraw = (entry: ActiveFault): void => {
    entry.remaining = 0;
    active = active.filter((f) => f !== entry);
  };
  return {
    add(spec: FaultSpec): FaultHandle {
      const entry = activeFault(spec);
      active.push(entry);
      return faultHandle(entry, withdraw);
    },
    clear() {
      for (const f of active) f.remaining = 0;
      active = [];
    },
    hits(path: string | RegExp, method?: string) {
      const m = method?.toUpperCase();
      return requests.filter(
        (r) => pathMatches(path, r.path) && (m === undefined || r.method === m),
      ).length;
    },
    take(method: string, path: string, phase: 'before' | 'after') {
      const f = active.find((x) => faultApplies(x, method, path, phase));
      if (!f) return undefined;
      f.remaining--;
      if (f.remaining <= 0) active = active.filter((x) => x !== f);
      return f.spec;
    },
    record(entry: RequestRecord) {
      log.record(entry);
    },
    get requests() {
      return requests;
    },
    clearRequests() {
      log.clear();
    },
    active() {
      return active.map((f) => ({ spec: f.spec, remaining: f.remaining }));
    },
  };
}

const SECRET_HEADERS = new Set(['authorization', 'x-protekt-key', 'cookie', 'proxy-authorization']);

/** Copies request headers for the log, redacting secret ones. */
export function redactHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  headers.forEach((value, name) => {
    const n = name.toLowerCase();
    out[n] = SECRET_HEADERS.has(n) ? '[redacted]' : value;
  });
  return out;
}
