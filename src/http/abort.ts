/** Ending a wait when the caller's `AbortSignal` aborts. */
import { ProtektError } from '../errors/protekt-error.js';

/** The error of a call its caller aborted. */
export const abortedError = (reason: unknown): ProtektError =>
  new ProtektError('aborted', 'The call was aborted by the caller.', { cause: reason });

/**
 * Awaits `promise`, giving up when `signal` aborts: then rejects with `error(signal.reason)`
 * (by default `ProtektError('aborted')`). The work behind `promise` goes on (it may be shared
 * with other callers); its outcome is passed through otherwise.
 */
export function withSignal<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  error: (reason: unknown) => unknown = abortedError,
): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    // Nobody awaits the work any more: its failure must not surface as an unhandled rejection.
    promise.catch(() => undefined);
    return Promise.reject(error(signal.reason));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(error(signal.reason));
    signal.addEventListener('abort', onAbort);
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
