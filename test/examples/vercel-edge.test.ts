/**
 * examples/vercel-edge: the Routing Middleware and its Edge Function, bundled by esbuild with the
 * Edge conditions (`edge-light`, `worker`, `browser`) as Vercel bundles them, and run inside
 * `@edge-runtime/vm` (the Edge runtime's own VM; there is no Vercel here). The test plays the
 * platform: matcher → middleware → (on `x-middleware-next`) the request headers it overrides →
 * `api/me`. The middleware calls the emulator over real HTTP on 127.0.0.1.
 */
import { EdgeVM } from '@edge-runtime/vm';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  requireBuild,
  root,
  runScenario,
  serveTestEmulator,
  type ServedEmulator,
} from './_harness.js';

type Module = {
  default: (request: Request) => Response | Promise<Response>;
  config: Record<string, unknown>;
};

let emu: ServedEmulator;
let middleware: Module;
let route: Module;
let edge: EdgeVM;
let bundleMs = 0;

/**
 * Bundles a file the way Vercel does for the Edge runtime, into a script that sets
 * `globalThis[name]`.
 */
async function bundle(file: string, name: string): Promise<string> {
  const out = await build({
    entryPoints: [`${root}examples/vercel-edge/${file}`],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: name,
    platform: 'browser',
    conditions: ['edge-light', 'worker', 'browser'],
    target: 'es2022',
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

/** Loads a bundle into a fresh Edge VM whose `process.env` holds `env` (Vercel's Edge env). */
function load(
  code: string,
  name: string,
  env: Record<string, string>,
): { vm: EdgeVM; module: Module } {
  const vm = new EdgeVM({
    extend: (context) => Object.assign(context, { process: { env: { ...env } } }),
  });
  vm.evaluate(code);
  return { vm, module: vm.context[name as keyof typeof vm.context] as unknown as Module };
}

/** The platform: matcher, middleware, request-header overrides, then the function. */
async function platform(path: string, headers: Record<string, string> = {}): Promise<Response> {
  const url = `https://example.vercel.app${path}`;
  const matcher = new RegExp(
    `^${String(middleware.config.matcher).replace('/:path*', '(?:/.*)?')}$`,
  );
  let request = new edge.context.Request(url, { headers }) as unknown as Request;
  if (matcher.test(path)) {
    const res = await middleware.default(request);
    if (res.headers.get('x-middleware-next') !== '1') return res;
    const kept = (res.headers.get('x-middleware-override-headers') ?? '')
      .split(',')
      .filter(Boolean);
    const forwarded: Record<string, string> = {};
    for (const name of kept)
      forwarded[name] = res.headers.get(`x-middleware-request-${name}`) ?? '';
    request = new edge.context.Request(url, { headers: forwarded }) as unknown as Request;
  }
  return route.default(request);
}

describe('examples/vercel-edge in the Edge runtime VM', () => {
  beforeAll(async () => {
    requireBuild();
    emu = await serveTestEmulator();
    const t = performance.now();
    const [mw, fn] = await Promise.all([
      bundle('middleware.ts', '__middleware'),
      bundle('api/me.ts', '__route'),
    ]);
    bundleMs = Math.round(performance.now() - t);
    expect(mw).not.toMatch(/require\(["']node:|from ["']node:/); // nothing Node-only reached the Edge bundle
    const loaded = load(mw, '__middleware', emu.env);
    edge = loaded.vm;
    middleware = loaded.module;
    route = load(fn, '__route', {}).module;
  });

  afterAll(async () => {
    await emu?.close();
  });

  it('exports the middleware and its matcher as Vercel expects', () => {
    expect(typeof middleware.default).toBe('function');
    expect(middleware.config).toEqual({ matcher: '/api/:path*' });
    expect(route.config).toEqual({ runtime: 'edge' });
  });

  it('guards /api/me: 503 on outage, 401 without/forged/revoked token, 200 with the user', async () => {
    const times = await runScenario(emu, (headers = {}) => platform('/api/me', headers));
    console.log('vercel-edge', { 'esbuild bundle': bundleMs, ...times });
  });

  it('a client cannot spoof x-protekt-user-id: the middleware overwrites it', async () => {
    const r = await emu.client.auth.signUp({
      email: `spoof.${Date.now()}@example.com`,
      password: 'correct horse battery',
    });
    if (r.error) throw new Error(r.error.code);
    const res = await platform('/api/me', {
      authorization: `Bearer ${r.accessToken}`,
      'x-protekt-user-id': 'usr_admin',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ user: { id: r.user.id } });
    const anonymous = await platform('/api/me', { 'x-protekt-user-id': 'usr_admin' });
    expect(anonymous.status).toBe(401);
  });
});
