/** The emulator's clock: real time plus an offset that tests move. */

/** Controls the time every time-based rule of the emulator reads. */
export interface EmulatorClock {
  /** The emulator's current time in milliseconds since the epoch. */
  now(): number;
  /** Moves the clock forward (or back, with a negative value) by `ms`; the offset is kept. */
  advance(ms: number): void;
  /**
   * Sets the clock to a time (ms since the epoch, or a `Date`); the clock keeps running from there.
   */
  set(time: number | Date): void;
  /** Goes back to the initial time base (real time, or the `now` option's offset). */
  reset(): void;
}

/**
 * Creates a clock that follows `realNow` (default `Date.now`) shifted by an offset. The offset
 * for an `initial` time is taken on first use, not at creation: Workers freeze time in global
 * scope, where an emulator may well be created.
 */
export function createClock(
  initial?: number,
  realNow: () => number = () => Date.now(),
): EmulatorClock {
  let initialOffset: number | undefined;
  let offset: number | undefined;
  const base = (): number => (initialOffset ??= initial === undefined ? 0 : initial - realNow());
  const current = (): number => (offset ??= base());
  return {
    now: () => realNow() + current(),
    advance(ms: number) {
      if (!Number.isFinite(ms)) throw new TypeError('clock.advance(ms) needs a finite number');
      offset = current() + ms;
    },
    set(time: number | Date) {
      const t = time instanceof Date ? time.getTime() : time;
      if (!Number.isFinite(t)) throw new TypeError('clock.set() needs a finite time');
      base();
      offset = t - realNow();
    },
    reset() {
      offset = base();
    },
  };
}
