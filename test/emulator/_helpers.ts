/** Helpers for the emulator's own tests: raw HTTP-level calls, no SDK client. */
import { createEmulator, type Emulator, type EmulatorOptions } from '../../src/testing/index.js';
import { segmentJson } from '../support/web.js';

/** Base URL used in-process (the client's default). */
export const BASE = 'https://auth.protekt.io/v1';

/** A decoded answer. */
export interface Answer {
  status: number;
  body: any;
  headers: Headers;
  text: string;
}

/** Options of {@link call}. */
export interface CallOptions {
  body?: unknown;
  /** Raw body (sent as is). */
  raw?: BodyInit;
  token?: string;
  /** API key; `null` to send none. Default: the default project's. */
  key?: string | null;
  headers?: Record<string, string>;
  base?: string;
}

/** Calls the emulator with JSON in and out. */
export async function call(
  emu: Emulator,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  const key = options.key === undefined ? emu.project.apiKey : options.key;
  if (key !== null) headers['x-protekt-key'] = key;
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  let body: BodyInit | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await emu.fetch(`${options.base ?? BASE}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, headers: res.headers, text };
}

/** A fast emulator for tests. */
export function fastEmulator(options: EmulatorOptions = {}): Emulator {
  return createEmulator({ pbkdf2Iterations: 1_000, ...options });
}

let n = 0;
/** A fresh e-mail address. */
export function email(prefix = 'user'): string {
  n += 1;
  return `${prefix}.${n}.${Math.random().toString(36).slice(2, 8)}@example.com`;
}

/** The password used by the tests. */
export const PASSWORD = 'correct horse battery';

/** Signs a user up and returns the token answer. */
export async function signUp(
  emu: Emulator,
  address = email(),
  extra: Record<string, unknown> = {},
): Promise<{ email: string; access: string; refresh: string; user: any; body: any }> {
  const r = await call(emu, 'POST', '/auth/signup', {
    body: { email: address, password: PASSWORD, ...extra },
  });
  if (r.status !== 201) throw new Error(`sign-up failed: ${r.status} ${r.text}`);
  return {
    email: address,
    access: r.body.access_token,
    refresh: r.body.refresh_token,
    user: r.body.user,
    body: r.body,
  };
}

/** Decodes a JWT's payload without checking it. */
export function claimsOf(token: string): Record<string, any> {
  return segmentJson(token, 1);
}

/** Decodes a JWT's header without checking it. */
export function headerOf(token: string): Record<string, any> {
  return segmentJson(token, 0);
}
