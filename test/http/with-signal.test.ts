/**
 * `withSignal`, the one way every wait of the client (a retry's delay, a shared JWKS fetch, a
 * revocation check) ends when its caller aborts: the work's outcome is passed through until then,
 * the caller's reason comes with the abort, and work nobody awaits any more rejects unnoticed.
 */
import { describe, expect, it } from 'vitest';
import { ProtektError } from '../../src/errors/protekt-error.js';
import { withSignal } from '../../src/http/abort.js';
import { onUnhandledRejection } from '../support/web.js';
import { rejectionOf } from './_transport.js';

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

describe('withSignal', () => {
  it('without a signal, the work itself is returned', () => {
    const work = Promise.resolve(1);
    expect(withSignal(work, undefined)).toBe(work);
  });

  it("passes the work's value and its failure through while the signal holds", async () => {
    const controller = new AbortController();
    expect(await withSignal(Promise.resolve('value'), controller.signal)).toBe('value');
    const failure = new Error('work failed');
    expect(await rejectionOf(withSignal(Promise.reject(failure), controller.signal))).toBe(failure);
  });

  it('an abort ends the wait with ProtektError aborted carrying the reason', async () => {
    const controller = new AbortController();
    const wait = withSignal(new Promise(() => {}), controller.signal);
    const reason = new Error('user left');
    controller.abort(reason);
    const error = await rejectionOf(wait);
    expect(error).toBeInstanceOf(ProtektError);
    expect(error).toMatchObject({
      code: 'aborted',
      message: 'The call was aborted by the caller.',
    });
    expect(error.cause).toBe(reason);
  });

  it('a signal aborted already rejects at once, with the error given', async () => {
    const controller = new AbortController();
    controller.abort('why');
    const error = await rejectionOf(withSignal(new Promise(() => {}), controller.signal, (r) => r));
    expect(error).toBe('why');
  });

  it('work nobody awaits any more may fail without an unhandled rejection', async () => {
    const seen: unknown[] = [];
    const stop = onUnhandledRejection((reason) => void seen.push(reason));
    try {
      const before = new AbortController();
      before.abort();
      let failLate!: (error: Error) => void;
      const late = new Promise<never>((_, reject) => {
        failLate = reject;
      });
      await rejectionOf(withSignal(late, before.signal));
      failLate(new Error('late failure'));

      const during = new AbortController();
      let failAfter!: (error: Error) => void;
      const work = new Promise<never>((_, reject) => {
        failAfter = reject;
      });
      const wait = withSignal(work, during.signal);
      during.abort();
      await rejectionOf(wait);
      failAfter(new Error('after the abort'));
      await tick(20);
    } finally {
      stop();
    }
    expect(seen).toEqual([]);
  });
});
