/**
 * Sharing work that is in flight (a JWKS fetch, a key import, a revocation check, a refresh) and
 * the one runtime difference it depends on: whether a call may await, without a bound, a promise
 * started by another request. Everywhere concurrent calls join the work in flight, so a burst
 * makes one request. Cloudflare Workers tie I/O to the request that started it: when that request
 * ends first, its fetch may never settle, and a call awaiting it would hang. So there a call that
 * joined another's work waits at most that work's own time budget (what its owner's timeouts
 * allow), then takes it for lost and starts the work again itself, shared in turn. Detected
 * lazily, on first use, never at import.
 */
import { withSignal } from '../http/abort.js';

export { withSignal };

let unbounded: boolean | undefined;

/**
 * Whether a call may wait for another request's work without a bound (false on workerd, where
 * it waits at most the work's budget).
 */
export function canShareInFlight(): boolean {
  if (unbounded === undefined) {
    const nav = (globalThis as { navigator?: { userAgent?: unknown } }).navigator;
    unbounded = nav?.userAgent !== 'Cloudflare-Workers';
  }
  return unbounded;
}

/** Test hook: forces the runtime detection (false: as on Workers; undefined re-detects). Internal. */
export function setInFlightSharing(value: boolean | undefined): void {
  unbounded = value;
}

/**
 * Runs `start` once per `key` while it is in flight: later callers join it, each waiting with its
 * own signal, so one giving up does not end the work the others wait for (`start(true)` runs the
 * work shared: it must not die with the signal of the caller that happened to start it). Where a
 * call may not wait on another request without a bound (Workers), a caller that joined waits at
 * most `budgetMs` (the longest the work takes under its own timeouts and retries) and then starts
 * it again: in the key's place when the work it joined is still there (later callers join the new
 * one), else once more joining the newer work, else on its own (`start(false)`, under its signal).
 * A late answer of the lost work is still taken if it comes first. With `share` false, every call
 * runs `start(false)` itself.
 */
export function shareInFlight<T>(
  inflight: Map<unknown, Promise<T>>,
  key: unknown,
  start: (shared: boolean) => Promise<T>,
  signal: AbortSignal | undefined,
  budgetMs: number,
  share = true,
): Promise<T> {
  if (!share) return start(false);
  const work = inflight.get(key);
  if (!work) return withSignal(startShared(inflight, key, start), signal);
  if (canShareInFlight()) return withSignal(work, signal);
  return withSignal(joinBounded(inflight, key, work, start, signal, budgetMs, 1), signal);
}

// Starts the shared work under `key`; the entry goes when it settles.
function startShared<T>(
  inflight: Map<unknown, Promise<T>>,
  key: unknown,
  start: (shared: boolean) => Promise<T>,
): Promise<T> {
  const started = start(true);
  inflight.set(key, started);
  const clear = (): void => {
    if (inflight.get(key) === started) inflight.delete(key);
  };
  started.then(clear, clear);
  return started;
}

// The longest delay setTimeout honours (a longer one fires at once).
const MAX_TIMER_MS = 2_147_483_647;

// Waits for `work` (another request's) at most `budgetMs`; then it is taken for lost (see
// shareInFlight): `chases` is how many more times a newer shared work may be joined.
function joinBounded<T>(
  inflight: Map<unknown, Promise<T>>,
  key: unknown,
  work: Promise<T>,
  start: (shared: boolean) => Promise<T>,
  signal: AbortSignal | undefined,
  budgetMs: number,
  chases: number,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => {
        // A caller that gave up starts nothing more.
        if (signal?.aborted) return;
        const current = inflight.get(key);
        const next =
          current === undefined || current === work
            ? startShared(inflight, key, start)
            : chases > 0
              ? joinBounded(inflight, key, current, start, signal, budgetMs, chases - 1)
              : start(false);
        next.then(resolve, reject);
      },
      Math.min(budgetMs, MAX_TIMER_MS),
    );
    const settle = (): void => clearTimeout(timer);
    work.then(settle, settle);
    work.then(resolve, reject);
  });
}
