/**
 * Shared by the example tests: an emulator served over HTTP on 127.0.0.1 (port 0), example
 * processes started as their users start them and stopped by their own pid, and the one scenario
 * every example must pass. Node only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { Protekt } from '../../src/index.js';
import { createEmulator, type Emulator } from '../../src/testing/index.js';
import { serveEmulator, type EmulatorServer } from '../../src/cli/serve.js';

/** The repository root. */
export const root = fileURLToPath(new URL('../../', import.meta.url));
/** A binary of node_modules/.bin. */
export const bin = (name: string): string => `${root}node_modules/.bin/${name}`;

/**
 * The Node binaries to run the Node examples with: this one, plus Node 18 (the oldest supported)
 * once provisioned (.cache/node/18.*, see runtimes/node/provision.mjs). `npm test` provisions it
 * before this suite runs; a bare `vitest` run without it tests this Node only.
 */
export function nodeBinaries(): { name: string; path: string }[] {
  const list = [{ name: `node ${process.versions.node}`, path: process.execPath }];
  const dir = `${root}.cache/node`;
  if (existsSync(dir)) {
    const v18 = readdirSync(dir).find((v) => v.startsWith('18.'));
    if (v18 && existsSync(`${dir}/${v18}/bin/node`))
      list.push({ name: `node ${v18}`, path: `${dir}/${v18}/bin/node` });
  }
  return list;
}

/**
 * Fails early, with a clear message, when the package was not built (examples import it by name).
 */
export function requireBuild(): void {
  if (!existsSync(`${root}dist/index.js`) || !existsSync(`${root}dist/hono.js`)) {
    throw new Error(
      'dist/ is missing: run `npm run build` first (the examples import @protekt/node by name).',
    );
  }
}

/** A running emulator reachable over HTTP, and a test-side client of it. */
export interface ServedEmulator {
  emulator: Emulator;
  server: EmulatorServer;
  /** `http://127.0.0.1:<port>/v1`. */
  baseUrl: string;
  /** The environment an example needs to reach it. */
  env: Record<string, string>;
  /** A client of the default project, used by the test to sign users up and revoke tokens. */
  client: Protekt;
  close(): Promise<void>;
}

/** Starts an emulator on 127.0.0.1, port 0. */
export async function serveTestEmulator(): Promise<ServedEmulator> {
  const emulator = createEmulator({ pbkdf2Iterations: 1_000 });
  const server = await serveEmulator({ port: 0, host: '127.0.0.1', emulator });
  const client = new Protekt({
    loginId: emulator.project.loginId,
    apiKey: emulator.project.apiKey,
    baseUrl: server.baseUrl,
    maxRetries: 0,
  });
  return {
    emulator,
    server,
    baseUrl: server.baseUrl,
    env: {
      PROTEKT_LOGIN_ID: emulator.project.loginId,
      PROTEKT_API_KEY: emulator.project.apiKey,
      PROTEKT_BASE_URL: server.baseUrl,
      PROTEKT_REVOCATION_MAX_AGE: String(REVOCATION_MAX_AGE),
    },
    client,
    close: () => server.close(),
  };
}

/** The revocation window the examples are started with, in seconds. */
export const REVOCATION_MAX_AGE = 2;

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A process started by a test. */
export interface Started {
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** SIGTERM to its pid; SIGKILL to the same pid after `graceMs`. Resolves when it exited. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const childEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_SEND_ERROR_REPORTS: 'false',
    WRANGLER_HIDE_BANNER: 'true',
    DENO_NO_UPDATE_CHECK: '1',
    CI: '1',
    ...extra,
  };
  delete env.NODE_OPTIONS;
  delete env.VITEST;
  delete env.VITEST_POOL_ID;
  delete env.VITEST_WORKER_ID;
  return env;
};

/** Spawns a command (not through a shell or npx) and collects its output. */
export function start(
  cmd: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Started {
  const child = spawn(cmd, args, {
    cwd: options.cwd,
    env: childEnv(options.env ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  child.stdout!.on('data', (d) => chunks.push(String(d)));
  child.stderr!.on('data', (d) => chunks.push(String(d)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    output: () => chunks.join(''),
    async stop(graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const result = await exited;
        clearTimeout(timer);
        return result;
      }
      return exited;
    },
  };
}

/** Waits until the process prints a line matching `pattern`; returns the first capture group. */
export async function waitForOutput(
  proc: Started,
  pattern: RegExp,
  timeoutMs = 30_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = pattern.exec(proc.output());
    if (m) return m[1] ?? m[0];
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(
        `the process exited (${proc.child.exitCode ?? proc.child.signalCode}) before printing ${pattern}:\n${proc.output()}`,
      );
    }
    await sleep(50);
  }
  throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${proc.output()}`);
}

/** Polls a URL until it answers at all (any status). */
export async function waitForHttp(url: string, proc: Started, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(
        `the process exited (${proc.child.exitCode ?? proc.child.signalCode}) before answering:\n${proc.output()}`,
      );
    }
    try {
      await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).arrayBuffer();
      return;
    } catch (err) {
      last = String((err as Error).message);
    }
    await sleep(200);
  }
  throw new Error(`no answer from ${url} within ${timeoutMs} ms (${last}):\n${proc.output()}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** How the scenario talks to an example: GET a guarded path with optional headers. */
export type Get = (headers?: Record<string, string>) => Promise<Response>;

let counter = 0;
/** Signs a fresh user up through the emulator; returns its id and access token. */
export async function signUp(emu: ServedEmulator): Promise<{ id: string; accessToken: string }> {
  counter += 1;
  const r = await emu.client.auth.signUp({
    email: `example.${Date.now().toString(36)}.${counter}@example.com`,
    password: 'correct horse battery',
  });
  if (r.error) throw new Error(`sign-up failed: ${r.error.code} ${r.error.message}`);
  return { id: r.user.id, accessToken: r.accessToken };
}

/** A token with the real header and claims but the signature of another key. */
export async function forge(token: string): Promise<string> {
  const other = createEmulator({ pbkdf2Iterations: 1_000 });
  const foreign = await other.signToken({ sub: 'usr_forged' });
  const [h, p] = token.split('.');
  return `${h}.${p}.${foreign.split('.')[2]}`;
}

/** Reads the user id an example answered with (`{ user: { id } }`). */
export async function userIdOf(res: Response): Promise<string> {
  const body = (await res.json()) as { user?: { id?: string } };
  return String(body.user?.id);
}

/**
 * The five checks: JWKS down with a cold cache → 503 (first, while the example has no key yet);
 * no token → 401; forged → 401; valid → 200 with the user; revoked → 401 within the window.
 * Returns the time each check took (ms).
 */
export async function runScenario(emu: ServedEmulator, get: Get): Promise<Record<string, number>> {
  const times: Record<string, number> = {};
  const timed = async (name: string, fn: () => Promise<void>) => {
    const t = performance.now();
    await fn();
    times[name] = Math.round(performance.now() - t);
  };
  const { id, accessToken } = await signUp(emu);

  await timed('jwks down, cold cache → 503', async () => {
    const fault = emu.emulator.faults.add({
      path: '/.well-known/jwks.json',
      status: 503,
      times: Infinity,
    });
    try {
      const res = await get({ authorization: `Bearer ${accessToken}` });
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      await res.arrayBuffer();
    } finally {
      fault.remove();
    }
  });

  await timed('no token → 401', async () => {
    const res = await get();
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    await res.arrayBuffer();
  });

  await timed('forged token → 401', async () => {
    const res = await get({ authorization: `Bearer ${await forge(accessToken)}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    await res.arrayBuffer();
  });

  await timed('valid token → 200 with the user', async () => {
    const res = await get({ authorization: `Bearer ${accessToken}` });
    expect(res.status).toBe(200);
    expect(await userIdOf(res)).toBe(id);
  });

  await timed('revoked token → 401 within the window', async () => {
    expect((await emu.client.auth.logout(accessToken)).error).toBeNull();
    const revokedAt = Date.now();
    let status = 0;
    while (Date.now() - revokedAt < (REVOCATION_MAX_AGE + 5) * 1000) {
      const res = await get({ authorization: `Bearer ${accessToken}` });
      status = res.status;
      await res.arrayBuffer();
      if (status === 401) break;
      expect(status).toBe(200); // still inside the window: the cached answer
      await sleep(250);
    }
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThanOrEqual((REVOCATION_MAX_AGE + 3) * 1000); // the window, plus slack for a loaded machine
  });
  return times;
}
