import type { ThrownErrorCode } from './codes.js';

// A brand shared by every copy of this class (ESM and CJS builds loaded side by side), so that
// `instanceof ProtektError` holds whichever copy created the error.
const BRAND = Symbol.for('@protekt/node.ProtektError');

/** Options of a {@link ProtektError}. */
export interface ProtektErrorOptions {
  /** HTTP status of the last answer, when there was one. */
  status?: number | undefined;
  /** Extra, secret-free context (attempt count, retry delay, option name…). */
  details?: Record<string, unknown> | undefined;
  /** The underlying failure (network error, abort reason). */
  cause?: unknown | undefined;
}

/**
 * Thrown only for the unexpected: a configuration mistake at construction, the project's own API
 * key being rejected, a network failure or timeout after retries, a 5xx after retries, an
 * unreadable answer, an abort by the caller, or (from `verifyToken`) no usable signing key.
 * Expected failures never throw; they come back in a result's `error` field.
 */
export class ProtektError extends Error {
  /** Machine-readable code, one of {@link ThrownErrorCode}. */
  declare readonly code: ThrownErrorCode;
  /** HTTP status of the last answer, or 0 when none arrived. */
  declare readonly status: number;
  /** Secret-free context. */
  declare readonly details: Record<string, unknown>;

  constructor(code: ThrownErrorCode, message: string, options: ProtektErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // Own properties in this order: code, status, details, name.
    Object.assign(this, {
      code,
      status: options.status ?? 0,
      details: options.details ?? {},
      name: 'ProtektError',
    });
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** Recognises errors created by any loaded copy of the SDK (ESM or CJS). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[BRAND] === true
    );
  }

  /** A plain, secret-free form for logs. */
  toJSON(): {
    name: string;
    code: ThrownErrorCode;
    message: string;
    status: number;
    details: Record<string, unknown>;
  } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      status: this.status,
      details: this.details,
    };
  }
}
