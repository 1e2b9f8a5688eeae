/**
 * Sharing work that is in flight (a JWKS fetch, a key import, a revocation check, a refresh) and
 * the one runtime difference it depends on: whether a request may await a promise started by
 * another request. Cloudflare Workers forbid it (I/O belongs to the request
 * that started it, and awaiting another request's fetch can hang), so there nothing in flight is
 * shared between calls. Detected lazily, on first use, never at import.
 */
import { withSignal } from '../http/abort.js';

export { withSignal };

let sharing: boolean | undefined;

/** Whether concurrent verifications may share one in-flight fetch or import (false on workerd). */
export function canShareInFlight(): boolean {
  if (sharing === undefined) {
    const nav = (globalThis as { navigator?: { userAgent?: unknown } }).navigator;
    sharing = nav?.userAgent !== 'Cloudflare-Workers';
  }
  return sharing;
}

/** Test hook: forces the runtime detection (undefined re-detects). Internal. */
export function setInFlightSharing(value: boolean | undefined): void {
  sharing = value;
}

/**
 * Runs `start` once per `key` while it is in flight, where requests may share work (`allowed`,
 * by default the runtime's {@link canShareInFlight}): later callers join it, each waiting with its
 * own signal, so one giving up does not end the work the others wait for. Where sharing is not
 * allowed, every call runs `start(false)` itself.
 */
export function shareInFlight<T>(
  inflight: Map<unknown, Promise<T>>,
  key: unknown,
  start: (shared: boolean) => Promise<T>,
  signal: AbortSignal | undefined,
  allowed = canShareInFlight(),
): Promise<T> {
  if (!allowed) return start(false);
  let work = inflight.get(key);
  if (!work) {
    const started = start(true);
    work = started;
    inflight.set(key, started);
    const clear = (): void => {
      if (inflight.get(key) === started) inflight.delete(key);
    };
    started.then(clear, clear);
  }
  return withSignal(work, signal);
}
