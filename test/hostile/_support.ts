/**
 * Shared by the hostile suite (Node only: raw sockets, child processes, files):
 * - the LEDGER: every case records what was tried and what happened; at the end of each file the
 *   ledger is written to test/hostile/results/<file>.json and docs/reliability.md is rendered from
 *   every results file (scripts/reliability-report.mjs). Only counts and outcomes go in, never
 *   timings, so the document does not churn between runs.
 * - the PROCESS GUARD: an 'unhandledRejection' / 'uncaughtException' listener whose catch must stay
 *   empty for the whole file.
 * - the SECRET WATCH: every secret the file handles (API key, passwords, tokens, codes) and every
 *   text the SDK produced (debug lines, error messages and causes, JSON and util.inspect views),
 *   checked against each other at the end of the file.
 * - RAW SERVERS: node:net servers on 127.0.0.1 that misbehave on purpose (reset mid-body, hang,
 *   redirect, garbage), each closed by the test that started it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { inspect } from 'node:util';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));

// ---- ledger ------------------------------------------------------------------------------------

/** The areas of docs/reliability.md, in table order. */
export type Area =
  | 'Faults'
  | 'Idempotency'
  | 'Refresh races'
  | 'Secrets'
  | 'Bad input'
  | 'Attacks'
  | 'Load';

interface Row {
  area: Area;
  tried: string;
  outcome: string;
  cases: number;
}

/** Collects the cases of one test file. */
export class Ledger {
  readonly #file: string;
  readonly #rows = new Map<string, Row>();

  constructor(file: string) {
    this.#file = file;
  }

  /** Records `cases` cases of `tried` that ended as `outcome` (call after the assertions held). */
  record(area: Area, tried: string, outcome: string, cases = 1): void {
    const key = `${area}\u0000${tried}\u0000${outcome}`;
    const row = this.#rows.get(key);
    if (row) row.cases += cases;
    else this.#rows.set(key, { area, tried, outcome, cases });
  }

  /** Number of cases recorded so far. */
  get total(): number {
    let n = 0;
    for (const r of this.#rows.values()) n += r.cases;
    return n;
  }

  /** Writes test/hostile/results/<file>.json and re-renders docs/reliability.md. */
  async flush(): Promise<void> {
    mkdirSync(resultsDir, { recursive: true });
    const body = { file: `test/hostile/${this.#file}.test.ts`, rows: [...this.#rows.values()] };
    writeFileSync(`${resultsDir}${this.#file}.json`, `${JSON.stringify(body, null, 2)}\n`);
    await renderReport();
  }
}

/** Renders docs/reliability.md from every results file (serialised across test workers). */
export async function renderReport(): Promise<void> {
  // @ts-expect-error -- a plain .mjs script without types
  const { writeReport } = (await import('../../scripts/reliability-report.mjs')) as {
    writeReport: (root: string) => Promise<void>;
  };
  await writeReport(root);
}

// ---- process guard -----------------------------------------------------------------------------

/** Listens for unhandled rejections and uncaught exceptions until `stop()`. */
export function guardProcess(): { seen: unknown[]; stop(): void } {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown): void => void seen.push(reason);
  const onException = (error: unknown): void => void seen.push(error);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    seen,
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

// ---- secret watch ------------------------------------------------------------------------------

/** Secrets handled and texts produced; `assertClean()` checks no text contains a secret. */
export class SecretWatch {
  readonly secrets = new Map<string, string>(); // value -> kind
  readonly texts: { label: string; text: string }[] = [];

  /** A secret to look for (values shorter than 6 characters are ignored: too many false hits). */
  secret(kind: string, value: unknown): void {
    if (typeof value === 'string' && value.length >= 6) this.secrets.set(value, kind);
  }

  /** A text the SDK produced. */
  text(label: string, value: string): void {
    this.texts.push({ label, text: value });
  }

  /** A `debug` option that records every line. */
  readonly debug = (line: string): void => this.text('debug', line);

  /**
   * Everything a result's `error` or a thrown error can show: message, cause chain, JSON, inspect.
   */
  error(label: string, value: unknown): void {
    if (value === null || value === undefined) return;
    this.text(`${label} inspect`, inspect(value, { depth: 8 }));
    try {
      this.text(`${label} JSON`, JSON.stringify(value) ?? '');
    } catch {
      /* not serialisable: nothing to leak that way */
    }
    let current: unknown = value;
    for (let i = 0; i < 5 && current instanceof Error; i++) {
      this.text(`${label} message`, current.message);
      this.text(`${label} stack`, current.stack ?? '');
      current = current.cause;
    }
    if (typeof value === 'object' && 'message' in value && typeof value.message === 'string')
      this.text(`${label} message`, value.message);
  }

  /** The whole client, as a careless log line would show it. */
  client(label: string, client: object): void {
    this.text(`${label} inspect`, inspect(client, { depth: 6 }));
    this.text(
      `${label} inspect raw`,
      inspect(client, { depth: 6, customInspect: false, showHidden: true }),
    );
    this.text(`${label} JSON`, JSON.stringify(client));
    this.text(`${label} String`, String(client));
    for (const part of ['auth', 'users', 'sessions', 'mfa'] as const) {
      const resource = (client as Record<string, unknown>)[part];
      this.text(`${label}.${part} inspect`, inspect(resource, { depth: 6, showHidden: true }));
      this.text(`${label}.${part} JSON`, JSON.stringify(resource) ?? '');
    }
  }

  /** Every (text, secret) pair where the secret shows; `[]` when clean. */
  leaks(): string[] {
    const out: string[] = [];
    for (const { label, text } of this.texts) {
      for (const [secret, kind] of this.secrets) {
        const hit = /^\d+$/.test(secret)
          ? new RegExp(`(?<!\\d)${secret}(?!\\d)`).test(text)
          : text.includes(secret);
        if (hit) out.push(`${kind} in ${label}: ${text.slice(0, 200)}`);
      }
    }
    return out;
  }

  /** Asserts no leak; returns [texts, secrets] checked. */
  assertClean(): [number, number] {
    expect(this.leaks()).toEqual([]);
    return [this.texts.length, this.secrets.size];
  }
}

/** Records a thrown value for the secret watch, and asserts it is a ProtektError with `code`. */
export async function thrown(
  promise: Promise<unknown>,
  watch?: SecretWatch,
): Promise<{
  code: string;
  message: string;
  status: number;
  details: Record<string, unknown>;
  cause?: unknown;
  name: string;
}> {
  let result: unknown;
  try {
    result = await promise;
  } catch (error) {
    watch?.error('thrown', error);
    return error as never;
  }
  throw new Error(`expected a rejection, got ${inspect(result, { depth: 3 })}`);
}

// ---- raw servers -------------------------------------------------------------------------------

/** A request as a raw server saw it. */
export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** A misbehaving server on 127.0.0.1. */
export interface RawServer {
  readonly url: string;
  readonly baseUrl: string;
  readonly port: number;
  /** Requests received, in order. */
  readonly requests: RawRequest[];
  /** Connections accepted. */
  connections: number;
  close(): Promise<void>;
}

/**
 * Starts a TCP server that parses each HTTP/1.1 request (head + Content-Length body) and hands it
 * to `respond(socket, request, index)`, which writes whatever it likes. Every socket is destroyed
 * on close.
 */
export async function rawServer(
  respond: (socket: Socket, req: RawRequest, index: number) => void,
): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const requests: RawRequest[] = [];
  const state = { connections: 0 };
  const server: Server = createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString('latin1').split('\r\n');
        const [method = '', path = ''] = (head[0] ?? '').split(' ');
        const headers: Record<string, string> = {};
        for (const line of head.slice(1)) {
          const i = line.indexOf(':');
          if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
        }
        const length = Number(headers['content-length'] ?? 0);
        if (buffer.length < end + 4 + length) return;
        const body = buffer.subarray(end + 4, end + 4 + length).toString('utf8');
        buffer = buffer.subarray(end + 4 + length);
        const req = { method, path, headers, body };
        requests.push(req);
        respond(socket, req, requests.length - 1);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseUrl: `${url}/v1`,
    port,
    requests,
    get connections() {
      return state.connections;
    },
    set connections(v: number) {
      state.connections = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Writes a full HTTP/1.1 answer and keeps the connection open for the next request. */
export function answer(
  socket: Socket,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  const h = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    ...headers,
  };
  socket.write(
    `HTTP/1.1 ${status} X\r\n${Object.entries(h)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n')}\r\n\r\n${body}`,
  );
}

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Milliseconds since `started`. */
export const since = (started: number): number => Date.now() - started;

/** The first project key/login id pair usable with any raw server (format-valid, not real). */
export const FAKE_PROJECT = {
  loginId: 'lp_hostile_suite',
  apiKey: 'pk_hostile_suite_secret_key_123456',
} as const;

/** Writes a file under test/hostile/results (used by the load test for its figures). */
export function writeResult(name: string, value: unknown): void {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(`${resultsDir}${name}.json`, `${JSON.stringify(value, null, 2)}\n`);
}
