/** The Node server adapter and the `protekt-emulator` bin. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.js';
import { Protekt } from '../../src/index.js';
import { requestUrl, serveEmulator, type EmulatorServer } from '../../src/cli/serve.js';
import { PASSWORD, claimsOf, email, fastEmulator } from './_helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('serveEmulator', () => {
  let server: EmulatorServer;
  beforeAll(async () => {
    server = await serveEmulator({ port: 0, emulator: fastEmulator() });
  });
  afterAll(() => server.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.baseUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-protekt-key': server.emulator.project.apiKey,
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('serves the API on a free port with its printed origin as issuer', async () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const r = await post(
      '/auth/signup',
      { email: email(), password: PASSWORD },
      { 'user-agent': 'cli-test/1' },
    );
    expect(r.status).toBe(201);
    const body = await r.json();
    expect(claimsOf(body.access_token).iss).toBe(server.url);
    const sessions = await fetch(`${server.baseUrl}/auth/sessions`, {
      headers: {
        'x-protekt-key': server.emulator.project.apiKey,
        authorization: `Bearer ${body.access_token}`,
      },
    });
    expect((await sessions.json()).data[0]).toMatchObject({
      user_agent: 'cli-test/1',
      ip_address: '127.0.0.1',
      is_current: true,
    });
    const jwks = await fetch(`${server.baseUrl}/.well-known/jwks.json`);
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=600');
    expect((await jwks.json()).keys).toHaveLength(1);
  });

  it('refuses bodies over 64 KiB (declared or streamed)', async () => {
    const big = JSON.stringify({ email: 'a'.repeat(70_000) });
    const r = await post('/auth/login', big);
    expect(r.status).toBe(413);
    expect((await r.json()).error.code).toBe('payload_too_large');
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(4096)));
        controller.close();
      },
    });
    const chunked = await fetch(`${server.baseUrl}/auth/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-protekt-key': server.emulator.project.apiKey,
      },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('a drop fault destroys the socket; a delay honours the client going away', async () => {
    server.emulator.faults.add({ path: '/auth/users', drop: true });
    await expect(
      fetch(`${server.baseUrl}/auth/users`, {
        headers: { 'x-protekt-key': server.emulator.project.apiKey },
      }),
    ).rejects.toBeInstanceOf(TypeError);
    server.emulator.faults.add({ path: '/auth/users', delayMs: 5_000 });
    const t0 = Date.now();
    await expect(
      fetch(`${server.baseUrl}/auth/users`, {
        headers: { 'x-protekt-key': server.emulator.project.apiKey },
        signal: AbortSignal.timeout(100),
      }),
    ).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(2_000);
    const ok = await fetch(`${server.baseUrl}/auth/users`, {
      headers: { 'x-protekt-key': server.emulator.project.apiKey },
    });
    expect(ok.status).toBe(200);
  });

  it('HEAD and redirects pass through unchanged', async () => {
    const head = await fetch(`${server.baseUrl}/.well-known/jwks.json`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const r = await fetch(
      `${server.baseUrl}/auth/sso/authorize?login_id=${server.emulator.project.loginId}&provider=google`,
      { redirect: 'manual' },
    );
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toMatch(
      new RegExp(`^${server.baseUrl}/_idp/authorize\\?request=`),
    );
  });
});

describe('the request URL: the server origin and the target path, never the Host header', () => {
  const origin = 'http://127.0.0.1:8787';

  it.each([
    ['/v1/auth/login', `${origin}/v1/auth/login`],
    ['/v1/auth/users?limit=1', `${origin}/v1/auth/users?limit=1`],
    ['//evil.test/v1/x', `${origin}//evil.test/v1/x`],
    ['/v1/../v1/x#frag', `${origin}/v1/x#frag`],
    ['http://evil.test/v1/auth/sso/authorize?a=1', `${origin}/v1/auth/sso/authorize?a=1`],
    ['HTTPS://evil.test:444/v1/x', `${origin}/v1/x`],
  ])('%s → %s', (target, url) => {
    expect(requestUrl(origin, target)).toBe(url);
  });

  it.each(['*', '@evil.test/v1/x', 'evil.test/v1/x', 'javascript:alert(1)', 'http://[bad/v1'])(
    '%s is refused (null)',
    (target) => {
      expect(requestUrl(origin, target)).toBeNull();
    },
  );
});

describe('serveEmulator with a public URL', () => {
  it('prints it, issues tokens and redirects on it, whichever address the client used', async () => {
    const server = await serveEmulator({
      port: 0,
      emulator: fastEmulator(),
      publicUrl: 'http://Protekt.Test:8787/',
    });
    try {
      expect(server.url).toBe('http://protekt.test:8787');
      expect(server.baseUrl).toBe('http://protekt.test:8787/v1');
      const direct = `http://127.0.0.1:${server.port}/v1`;
      const r = await fetch(`${direct}/auth/signup`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-protekt-key': server.emulator.project.apiKey,
        },
        body: JSON.stringify({ email: email(), password: PASSWORD }),
      });
      expect(claimsOf((await r.json()).access_token).iss).toBe('http://protekt.test:8787');
      const sso = await fetch(
        `${direct}/auth/sso/authorize?login_id=${server.emulator.project.loginId}&provider=google`,
        { redirect: 'manual' },
      );
      expect(sso.headers.get('location')).toMatch(/^http:\/\/protekt\.test:8787\/v1\/_idp\//);
    } finally {
      await server.close();
    }
  });

  it.each(['ftp://x', 'http://x/base', 'http://x?q', 'http://u:p@x', 'not a url'])(
    'refuses %s before binding',
    async (publicUrl) => {
      await expect(serveEmulator({ port: 0, publicUrl })).rejects.toThrow(
        /publicUrl must be an http\(s\) origin/,
      );
    },
  );
});

describe('argument parsing', () => {
  it('reads --port/--host/--json/--login-id/--api-key, in both spellings', () => {
    expect(parseArgs([])).toMatchObject({ port: 8787, host: '127.0.0.1', json: false });
    expect(
      parseArgs([
        '--port',
        '0',
        '--host=::1',
        '--json',
        '--login-id',
        'lp_fixed',
        '--api-key=pk_test_fixed',
      ]),
    ).toEqual({
      port: 0,
      host: '::1',
      json: true,
      help: false,
      loginId: 'lp_fixed',
      apiKey: 'pk_test_fixed',
      settings: {},
      openControlPlane: false,
    });
    expect(() => parseArgs(['--port', 'abc'])).toThrow(/--port/);
    expect(() => parseArgs(['--port', '70000'])).toThrow(/--port/);
    expect(() => parseArgs(['--port'])).toThrow(/needs a value/);
    expect(() => parseArgs(['--nope'])).toThrow(/unknown option/);
  });

  it('reads --public-url and refuses one that is not an origin', () => {
    expect(parseArgs(['--public-url', 'http://protekt:8787']).publicUrl).toBe(
      'http://protekt:8787',
    );
    expect(() => parseArgs(['--public-url=http://protekt:8787/v1'])).toThrow(
      /--public-url must be an http\(s\) origin/,
    );
  });

  it('checks --login-id and --api-key as the client does, without repeating the value', () => {
    expect(() => parseArgs(['--login-id', 'nope'])).toThrow(
      "--login-id must be the project's login id: lp_ followed by 3 to 128 letters, digits, _ or -",
    );
    expect(() => parseArgs(['--api-key=sk_live_secretvalue'])).toThrow(
      '--api-key must be the project API key: pk_ followed by 8 to 256 letters, digits, _ or -',
    );
    try {
      parseArgs(['--api-key=sk_live_secretvalue']);
    } catch (error) {
      expect(String(error)).not.toContain('secretvalue');
    }
  });
});

/** Starts the bin, resolves with the child and its first stdout line(s). */
function start(file: string, args: string[]): Promise<{ child: ChildProcess; out: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`bin did not start: ${out} ${err}`)), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve({ child, out: () => out });
      }
    });
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('exit', (code) => reject(new Error(`bin exited early with ${code}: ${err}`)));
  });
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('the protekt-emulator bin', () => {
  let dir: string;
  let bin: string;
  beforeAll(async () => {
    // Bundle the bin from source into a temporary directory (the shared dist/ is left alone).
    dir = mkdtempSync(join(tmpdir(), 'protekt-emu-'));
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
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the URLs and credentials, serves, and exits 0 on SIGTERM', async () => {
    const { child, out } = await start(bin, [
      '--port',
      '0',
      '--json',
      '--login-id',
      'lp_cli',
      '--api-key',
      'pk_test_cli',
    ]);
    const info = JSON.parse(out().split('\n')[0]!);
    expect(info).toMatchObject({
      loginId: 'lp_cli',
      apiKey: 'pk_test_cli',
      baseUrl: `${info.url}/v1`,
    });
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await fetch(`${info.baseUrl}/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-protekt-key': 'pk_test_cli' },
      body: JSON.stringify({ email: email(), password: PASSWORD }),
    });
    expect(r.status).toBe(201);
    const exited = exitCode(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('--host 0.0.0.0 prints URLs a client can use (loopback), and the client works with them', async () => {
    const { child, out } = await start(bin, [
      '--port',
      '0',
      '--host',
      '0.0.0.0',
      '--json',
      '--login-id',
      'lp_anyhost',
      '--api-key',
      'pk_test_anyhost',
    ]);
    const info = JSON.parse(out().split('\n')[0]!);
    expect(info.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const protekt = new Protekt({
      loginId: info.loginId,
      apiKey: info.apiKey,
      baseUrl: info.baseUrl,
    });
    const { accessToken, error } = await protekt.auth.signUp({
      email: email(),
      password: PASSWORD,
    });
    expect(error).toBeNull();
    expect((await protekt.auth.verifyToken(accessToken!)).error).toBeNull();
    const exited = exitCode(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('a bad --login-id is refused before serving: exit 2, the rule printed', async () => {
    const child = spawn(process.execPath, [bin, '--port', '0', '--login-id', 'nope'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
    });
    expect(await exitCode(child)).toBe(2);
    expect(stderr).toContain("--login-id must be the project's login id");
  });

  it('prints a readable banner and exits 0 on SIGINT', async () => {
    const { child, out } = await start(bin, ['--port', '0']);
    await new Promise((r) => setTimeout(r, 100));
    expect(out()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(out()).toMatch(/Base URL: +http:\/\/127\.0\.0\.1:\d+\/v1/);
    expect(out()).toMatch(/Login ID: +lp_/);
    expect(out()).toMatch(/API key: +pk_test_/);
    const exited = exitCode(child);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('refuses bad arguments with exit code 2', async () => {
    const child = spawn(process.execPath, [bin, '--port', 'nope'], { stdio: 'ignore' });
    expect(await exitCode(child)).toBe(2);
  });

  const built = join(root, 'dist/emulator-cli.js');
  const isReal =
    existsSync(built) &&
    existsSync(join(root, 'dist/runtime/crypto-node.js')) &&
    readFileSync(built, 'utf8').includes('protekt-emulator');
  it.skipIf(!isReal)('the built dist/emulator-cli.js works too', async () => {
    const { child, out } = await start(built, ['--port', '0', '--json']);
    const info = JSON.parse(out().split('\n')[0]!);
    expect((await fetch(`${info.baseUrl}/.well-known/jwks.json`)).status).toBe(200);
    const exited = exitCode(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
