/**
 * What the browser tests share: the emulator served over HTTP, a small application with a
 * callback route built on `auth.handleCallback`, and headless Chromium (Debian's package, see
 * scripts/provision-chromium.mjs) driven by playwright-core.
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { serveEmulator, type EmulatorServer } from '../../src/cli/serve.js';
import { Protekt } from '../../src/index.js';
import { createEmulator } from '../../src/testing/index.js';

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** The result the application's callback route saw last. */
export interface CallbackSeen {
  email: string | null;
  accessToken: string | null;
  refreshToken: string | null;
  error: string | null;
}

/** The emulator, the application and the browser of one test file. */
export interface Harness {
  emulator: EmulatorServer;
  /** The application's origin (`http://127.0.0.1:<port>`). */
  app: string;
  /** The application's callback URL, the project's redirect URL. */
  callback: string;
  /** A client of the default project, against the served emulator. */
  protekt: Protekt;
  browser: Browser;
  /** What the callback route resolved, in order. */
  seen: CallbackSeen[];
  /** The `state` the application expects on its next callback (`undefined`: none checked). */
  expectState: string | undefined;
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** The application: `/callback` finishes the sign-in with `handleCallback`, then says who. */
function appRequest(h: Harness, req: IncomingMessage, res: ServerResponse): void {
  void (async () => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/callback') {
      res.writeHead(404).end('not found');
      return;
    }
    const result = await h.protekt.auth.handleCallback(req.url ?? '/', { state: h.expectState });
    h.seen.push({
      email: result.user?.email ?? null,
      accessToken: result.accessToken,
      refreshToken: result.refreshToken,
      error: result.error?.code ?? null,
    });
    const text = result.error
      ? `Sign-in failed: ${result.error.code}`
      : `Signed in as ${result.user.email}`;
    res.writeHead(result.error ? 400 : 200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>App</title><h1 id="result">${text}</h1>`);
  })().catch(() => res.writeHead(500).end('app failed'));
}

/** Starts the emulator (with an SSO connection for acme.com), the application and Chromium. */
export async function startHarness(): Promise<Harness> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: run \`node scripts/provision-chromium.mjs\` (as root)`,
    );
  let h!: Harness;
  const app = createServer((req, res) => appRequest(h, req, res));
  const port = await listen(app);
  const origin = `http://127.0.0.1:${port}`;
  const emulator = await serveEmulator({
    port: 0,
    emulator: createEmulator({
      pbkdf2Iterations: 1_000,
      project: {
        name: 'Browser test app',
        redirectUrl: `${origin}/callback`,
        ssoConnections: [{ name: 'acme-okta', domains: ['acme.com'], provider: 'okta' }],
      },
    }),
  });
  const { loginId, apiKey } = emulator.emulator.project;
  const protekt = new Protekt({
    loginId,
    apiKey,
    baseUrl: emulator.baseUrl,
    // Every verification asks the emulator, so a user disabled a moment ago is refused at once.
    revocationCheck: { maxAge: 0 },
  });
  h = {
    emulator,
    app: origin,
    callback: `${origin}/callback`,
    protekt,
    browser: await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] }),
    seen: [],
    expectState: undefined,
    async close() {
      await h.browser.close();
      await emulator.close();
      await new Promise<void>((resolve) => app.close(() => resolve()));
    },
  };
  return h;
}
