/**
 * The control plane over real HTTP: `protekt-emulator` started as a user starts it, driven with
 * plain `fetch` from this (another) process; and `serveEmulator`'s loopback-only rule.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveEmulator } from '../../src/cli/serve.js';
import type { OutboxMessage } from '../../src/testing/index.js';
import { fastEmulator } from './_helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** GET with a chosen Host header (fetch does not let a caller set one). */
function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serveEmulator: the control plane', () => {
  it('answers loopback requests naming this machine, and refuses another Host', async () => {
    const server = await serveEmulator({ port: 0, emulator: fastEmulator() });
    try {
      expect(await getWithHost(`${server.url}/_emulator/outbox`, `127.0.0.1:${server.port}`)).toBe(
        200,
      );
      expect(await getWithHost(`${server.url}/_emulator/outbox`, `localhost:${server.port}`)).toBe(
        200,
      );
      expect(await getWithHost(`${server.url}/_emulator/outbox`, 'rebound.evil.test')).toBe(403);
      // The API itself does not care about the Host header.
      expect(await getWithHost(`${server.baseUrl}/.well-known/jwks.json`, 'any.test')).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('with openControlPlane, any Host is served; onMessage sees each message as it is sent', async () => {
    const seen: OutboxMessage[] = [];
    const server = await serveEmulator({
      port: 0,
      emulator: fastEmulator(),
      openControlPlane: true,
      onMessage: (m) => seen.push(m),
    });
    try {
      expect(await getWithHost(`${server.url}/_emulator/outbox`, 'protekt.internal')).toBe(200);
      await fetch(`${server.baseUrl}/auth/otp/send`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-protekt-key': server.emulator.project.apiKey,
        },
        body: JSON.stringify({ email: 'seen@example.com' }),
      });
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ to: 'seen@example.com', kind: 'otp' });
    } finally {
      await server.close();
    }
  });
});

/** Starts the bin; collects its stdout lines. */
function startBin(file: string, args: string[]) {
  const child = spawn(process.execPath, [file, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    partial += d.toString();
    const parts = partial.split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  /** Resolves with the first line matching, waiting up to 15 s. */
  const line = (match: (l: string) => boolean): Promise<string> =>
    new Promise((resolve, reject) => {
      const started = Date.now();
      const look = (): void => {
        const found = lines.find(match);
        if (found !== undefined) {
          resolve(found);
          return;
        }
        if (child.exitCode !== null || Date.now() - started > 15_000) {
          reject(new Error(`no such line; stdout: ${lines.join('\n')} stderr: ${err}`));
          return;
        }
        setTimeout(look, 20);
      };
      look();
    });
  return { child, line };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

/** Newest modification time of the files below a directory. */
function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** True when `file` exists and is newer than every source file it is built from. */
function builtFromCurrentSources(file: string): boolean {
  if (!existsSync(file) || !existsSync(join(root, 'dist/runtime/crypto-node.js'))) return false;
  return statSync(file).mtimeMs >= newest(join(root, 'src'));
}

describe('protekt-emulator from another process, with plain fetch', () => {
  let dir: string;
  let bin: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'protekt-ctl-'));
    // The published bin when it is built from the current sources (as `npm test` does); else
    // the same bin bundled from source.
    bin = join(root, 'dist/emulator-cli.js');
    if (!builtFromCurrentSources(bin)) {
      bin = join(dir, 'emulator-cli.mjs');
      await build({
        entryPoints: [join(root, 'src/cli/emulator-cli.ts')],
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node18',
        outfile: bin,
        alias: { '#crypto': join(root, 'src/runtime/crypto-node.ts') },
        logLevel: 'silent',
      });
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('completes an OTP and a magic-link sign-in, reading codes from the outbox and stdout', async () => {
    const config = join(dir, 'settings.json');
    writeFileSync(config, JSON.stringify({ token_expiry: 900, name: 'From a file' }));
    const { child, line } = startBin(bin, [
      '--port',
      '0',
      '--json',
      '--config',
      config,
      '--redirect-url',
      'http://127.0.0.1:9/auth/callback',
      '--sso-connection',
      'acme:acme.com',
    ]);
    try {
      const info = JSON.parse(await line((l) => l.includes('"baseUrl"')));
      const api = (path: string, body: unknown) =>
        fetch(`${info.baseUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-protekt-key': info.apiKey },
          body: JSON.stringify(body),
        }).then((r) => r.json() as Promise<any>);

      await api('/auth/otp/send', { email: 'curl@example.com' });
      const printed = JSON.parse(await line((l) => l.includes('"event":"outbox"')));
      const outbox = await fetch(`${info.url}/_emulator/outbox?to=curl@example.com&kind=otp`);
      const { messages } = (await outbox.json()) as any;
      expect(messages[0].code).toBe(printed.code);
      const otp = await api('/auth/otp/verify', { email: 'curl@example.com', otp: printed.code });
      expect(otp.expires_in).toBe(900);
      expect(otp.user.email).toBe('curl@example.com');

      await api('/auth/magic-link/send', { email: 'link@example.com' });
      const magic = await fetch(`${info.url}/_emulator/outbox?kind=magic_link`);
      const link = new URL(((await magic.json()) as any).messages[0].link);
      expect(`${link.origin}${link.pathname}`).toBe('http://127.0.0.1:9/auth/callback');
      const signedIn = await api('/auth/magic-link/verify', {
        token: link.searchParams.get('token'),
      });
      expect(signedIn.user.email).toBe('link@example.com');

      const projects = (await (await fetch(`${info.url}/_emulator/projects`)).json()) as any;
      expect(projects.projects[0]).toMatchObject({
        name: 'From a file',
        sso_connections: [{ name: 'acme', domains: ['acme.com'] }],
      });
    } finally {
      const done = exited(child);
      process.kill(child.pid!, 'SIGTERM');
      expect(await done).toBe(0);
    }
  });

  it('prints each message as one text line, and refuses a bad setting with exit code 2', async () => {
    const { child, line } = startBin(bin, ['--port', '0']);
    try {
      const url = (await line((l) => l.startsWith('Protekt emulator listening on '))).slice(30);
      const key = (await line((l) => l.includes('API key:'))).split('API key:')[1]!.trim();
      await fetch(`${url}/v1/auth/password/reset`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-protekt-key': key },
        body: '{"email":"nobody@example.com"}',
      });
      await fetch(`${url}/v1/auth/otp/send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-protekt-key': key },
        body: JSON.stringify({ email: 'text@example.com' }),
      });
      const printed = await line((l) => l.startsWith('[outbox]'));
      expect(printed).toMatch(/^\[outbox\] otp to text@example\.com: code \d{6}$/);
    } finally {
      const done = exited(child);
      process.kill(child.pid!, 'SIGTERM');
      expect(await done).toBe(0);
    }
    const bad = spawn(process.execPath, [bin, '--token-expiry', '5'], { stdio: 'ignore' });
    expect(await exited(bad)).toBe(2);
  });
});
