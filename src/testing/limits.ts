/** Sliding-window rate limits and the consecutive-failure lockout, on the emulator clock. */

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

/** A set of sliding windows keyed by string. */
export class RateLimiter {
  private readonly events = new Map<string, number[]>();

  /** Counts an event at `now` if the window allows it. */
  hit(key: string, rule: RateLimitRule, now: number): RateLimitResult {
    const list = (this.events.get(key) ?? []).filter((t) => t > now - rule.windowMs);
    const allowed = list.length < rule.limit;
    if (allowed) list.push(now);
    this.events.set(key, list);
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
}

/** Consecutive wrong-password counter with a timed lock. */
export class Lockout {
  private readonly state = new Map<string, { failures: number; lockedUntil: number }>();

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
    this.state.set(key, s);
  }

  /** Clears the counter (a correct password, a password reset). */
  clear(key: string): void {
    this.state.delete(key);
  }
}
