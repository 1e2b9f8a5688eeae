/** Sliding-window rate limits and the consecutive-failure lockout, on the emulator clock. */
import { MAX_LIMIT_KEYS, makeRoom, sweepMap } from './bounded.js';

/** A rate limit: at most `limit` events per `windowMs`. */
export interface RateLimitRule {
  /** Events allowed per window. */
  limit: number;
  /** Window length in milliseconds. */
  windowMs: number;
}

/** Limits of the emulator (all configurable through `createEmulator({ rateLimits })`). */
export interface RateLimitOptions {
  /** Password login attempts per e-mail address (default 10 per minute). */
  login?: RateLimitRule | undefined;
  /** OTP sends per e-mail address or phone number (default 3 per hour). */
  otpSend?: RateLimitRule | undefined;
  /** Magic-link sends per e-mail address (default 5 per hour). */
  magicLinkSend?: RateLimitRule | undefined;
  /** Password-reset requests per e-mail address (default 5 per hour). */
  passwordReset?: RateLimitRule | undefined;
  /** Lockout after consecutive wrong passwords (default 5 failures, 15 minutes). */
  lockout?: { attempts: number; durationMs: number } | undefined;
  /** Wrong OTP entries before the code is invalidated (default 5). */
  otpAttempts?: number | undefined;
  /** Wrong MFA codes before the mfa_token is invalidated (default 5). */
  mfaAttempts?: number | undefined;
}

/** Limits with every default filled in. */
export type ResolvedRateLimits = Required<RateLimitOptions>;

/** Fills in the defaults. */
export function resolveRateLimits(options: RateLimitOptions = {}): ResolvedRateLimits {
  return {
    login: options.login ?? { limit: 10, windowMs: 60_000 },
    otpSend: options.otpSend ?? { limit: 3, windowMs: 3_600_000 },
    magicLinkSend: options.magicLinkSend ?? { limit: 5, windowMs: 3_600_000 },
    passwordReset: options.passwordReset ?? { limit: 5, windowMs: 3_600_000 },
    lockout: options.lockout ?? { attempts: 5, durationMs: 15 * 60_000 },
    otpAttempts: options.otpAttempts ?? 5,
    mfaAttempts: options.mfaAttempts ?? 5,
  };
}

/** The outcome of one rate-limited event. */
export interface RateLimitResult {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Unix time (seconds) when a slot frees up. */
  readonly reset: number;
  /** Seconds to wait before retrying (0 when allowed). */
  readonly retryAfter: number;
}

/** The events of one key inside its window, and that window's length. */
interface Window {
  readonly windowMs: number;
  readonly times: number[];
}

/** True when no event of a window counts any more. */
function windowOver(w: Window, now: number): boolean {
  return (w.times.at(-1) ?? Number.NEGATIVE_INFINITY) <= now - w.windowMs;
}

/**
 * A set of sliding windows keyed by string, bounded: a window whose events have all aged out is
 * dropped (on insert from the front, and by {@link RateLimiter.sweep}), and at most `maxKeys`
 * windows are kept, the least recently hit forgotten first (it starts over with a fresh window).
 */
export class RateLimiter {
  // Kept in order of last hit (a hit moves its key to the back), so the front is the stalest.
  private readonly windows = new Map<string, Window>();

  /** @param maxKeys how many keys to keep (default {@link MAX_LIMIT_KEYS}). */
  constructor(private readonly maxKeys: number = MAX_LIMIT_KEYS) {}

  /** How many keys have a window. */
  get size(): number {
    return this.windows.size;
  }

  /** Counts an event at `now` if the window allows it. */
  hit(key: string, rule: RateLimitRule, now: number): RateLimitResult {
    const list = (this.windows.get(key)?.times ?? []).filter((t) => t > now - rule.windowMs);
    const allowed = list.length < rule.limit;
    if (allowed) list.push(now);
    this.windows.delete(key);
    if (list.length > 0) {
      makeRoom(this.windows, this.maxKeys, (w) => windowOver(w, now));
      this.windows.set(key, { windowMs: rule.windowMs, times: list });
    }
    const oldest = list[0] ?? now;
    const resetMs = oldest + rule.windowMs;
    return {
      allowed,
      limit: rule.limit,
      remaining: Math.max(0, rule.limit - list.length),
      reset: Math.ceil(resetMs / 1000),
      retryAfter: allowed ? 0 : Math.max(1, Math.ceil((resetMs - now) / 1000)),
    };
  }

  /** Drops every window whose events have all aged out. */
  sweep(now: number): void {
    sweepMap(this.windows, (w) => windowOver(w, now));
  }

  /** Forgets every window (the control plane's reset). */
  clearAll(): void {
    this.windows.clear();
  }
}

/** The consecutive failures of one key and its lock. */
interface LockState {
  failures: number;
  lockedUntil: number;
}

/**
 * Consecutive wrong-password counter with a timed lock, bounded: a key with no failures left and
 * no running lock is dropped (by {@link Lockout.sweep}), and at most `maxKeys` keys are kept. When
 * full, the least recently failed key that is not locked is forgotten first, so a flood of
 * one-off failures on fresh addresses cannot unlock an account that is locked.
 */
export class Lockout {
  // Kept in order of last failure (a failure moves its key to the back).
  private readonly state = new Map<string, LockState>();

  /** @param maxKeys how many keys to keep (default {@link MAX_LIMIT_KEYS}). */
  constructor(private readonly maxKeys: number = MAX_LIMIT_KEYS) {}

  /** How many keys have a count or a lock. */
  get size(): number {
    return this.state.size;
  }

  /** Milliseconds left on a lock, 0 when not locked. */
  lockedFor(key: string, now: number): number {
    const s = this.state.get(key);
    return s && s.lockedUntil > now ? s.lockedUntil - now : 0;
  }

  /** Records a failure; locks when the count reaches `attempts`. */
  fail(key: string, now: number, rule: { attempts: number; durationMs: number }): void {
    const s = this.state.get(key) ?? { failures: 0, lockedUntil: 0 };
    s.failures++;
    if (s.failures >= rule.attempts) {
      s.lockedUntil = now + rule.durationMs;
      s.failures = 0;
    }
    this.state.delete(key);
    if (this.state.size >= this.maxKeys) this.evictOne(now);
    this.state.set(key, s);
  }

  /** Clears the counter (a correct password, a password reset). */
  clear(key: string): void {
    this.state.delete(key);
  }

  /** Forgets every counter and lock (the control plane's reset). */
  clearAll(): void {
    this.state.clear();
  }

  /** Drops every key with no failures counted and no running lock. */
  sweep(now: number): void {
    sweepMap(this.state, (s) => s.failures === 0 && s.lockedUntil <= now);
  }

  /** Forgets the least recently failed key that is not locked, else the oldest lock. */
  private evictOne(now: number): void {
    let victim: string | undefined;
    for (const [key, s] of this.state) {
      victim ??= key;
      if (s.lockedUntil <= now) {
        victim = key;
        break;
      }
    }
    if (victim !== undefined) this.state.delete(victim);
  }
}
