/**
 * Serves an emulator over HTTP with Node's `http` module (Node only). Request bodies are
 * bounded at 64 KiB; answers are streamed; a `drop` fault destroys the socket.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEmulator, type Emulator, type OutboxMessage } from '../testing/index.js';
import { controlAllowed } from './control-access.js';
import { publicOrigin } from './origin.js';

/** Called with each message the emulator "sends" (an OTP, a magic link…), as it is sent. */
export type OutboxListener = (message: OutboxMessage) => void;

/** Options of {@link serveEmulator}. */
export interface ServeEmulatorOptions {
  /** Port (default 8787; `0` picks a free one). */
  port?: number | undefined;
  /** Interface to bind (default `127.0.0.1`). */
  host?: string | undefined;
  /** The emulator to serve (default: a new one). */
  emulator?: Emulator | undefined;
  /**
   * The origin clients reach the server by, when it is not the bound address: behind a proxy or
   * in a container (`http://protekt:8787`). It becomes `url`, the token issuer and the start of
   * every redirect. Default: `http://host:port` of the bound address. Never taken from a request.
   */
  publicUrl?: string | undefined;
  /**
   * Serve the control plane and dashboard (`/_emulator`) to other machines too. By default they
   * answer only requests from a loopback address whose Host names this machine, since they hand
   * out codes and can change any user: a page on another site cannot reach them through DNS
   * rebinding, and a colleague on the network cannot either. Default `false`.
   */
  openControlPlane?: boolean | undefined;
  /** Called with each outbox message as it is sent (the CLI prints them). */
  onMessage?: OutboxListener | undefined;
}

/** A running server. */
export interface EmulatorServer {
  /**
   * `http://host:port` (no trailing slash), or the `publicUrl` origin: the origin of every request
   * the emulator sees, so the issuer of its tokens and the start of its redirects.
   */
  readonly url: string;
  /** The API base URL, `url + '/v1'`. */
  readonly baseUrl: string;
  /** The Account API base URL, `url + '/account/v1'` (the client's `accountBaseUrl`). */
  readonly accountBaseUrl: string;
  /** The bound port. */
  readonly port: number;
  /** The emulator behind it. */
  readonly emulator: Emulator;
  /** Stops accepting connections, ends open ones, resolves when closed. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;

function readBody(req: IncomingMessage): Promise<Uint8Array | 'too_large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
      resolve('too_large');
      return;
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    let done = false;
    req.on('data', (chunk: Uint8Array) => {
      if (done) return;
      total += chunk.byteLength;
      if (total > MAX_BODY_BYTES) {
        done = true;
        resolve('too_large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      const out = new Uint8Array(total);
      let o = 0;
      for (const c of chunks) {
        out.set(c, o);
        o += c.byteLength;
      }
      resolve(out);
    });
    req.on('error', (err) => {
      if (!done) {
        done = true;
        reject(err);
      }
    });
  });
}

function tooLarge(res: ServerResponse): void {
  const body = JSON.stringify({
    error: {
      code: 'payload_too_large',
      message: `The request body is larger than ${MAX_BODY_BYTES} bytes.`,
      details: { max_bytes: MAX_BODY_BYTES },
    },
  });
  res.writeHead(413, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  res.end(body);
}

/** The Node request's headers as Fetch `Headers`, without hop-by-hop ones or any Fetch refuses. */
function fetchHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    if (
      /^(host|connection|content-length|transfer-encoding|keep-alive|upgrade|expect)$/i.test(name)
    )
      continue;
    try {
      headers.append(name, req.rawHeaders[i + 1]!);
    } catch {
      // a header the Fetch API refuses is dropped
    }
  }
  return headers;
}

/**
 * The host to put in the printed URLs: a client cannot connect to an unspecified address
 * (`0.0.0.0`, `::`), so for one the loopback address it also listens on is printed.
 */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * The Fetch URL of a request target: the server's own origin and the target's path and query. The
 * Host header never takes part: it is the client's to write, and the URL's origin becomes the
 * token issuer and the start of every redirect and form action the emulator writes, so a forged
 * `Host: evil.test` (or `Host: x/v1/auth/users?limit=1#`, which would splice a path in) must not
 * steer them. An absolute-form target (`GET http://other/v1/… HTTP/1.1`, as sent to a proxy) keeps
 * only its path and query. `null` for a target that is neither (`*`, `@evil.test/`).
 */
export function requestUrl(origin: string, target: string): string | null {
  let path: string;
  if (target.startsWith('/')) path = target;
  else if (/^https?:\/\//i.test(target)) {
    try {
      const absolute = new URL(target);
      path = `${absolute.pathname}${absolute.search}`;
    } catch {
      return null;
    }
  } else return null;
  // Concatenated, not resolved against the origin: `//evil.test/x` resolved would change host.
  try {
    const url = new URL(`${origin}${path}`);
    return url.origin === origin ? url.href : null;
  } catch {
    return null;
  }
}

/** The Fetch `Request` for a Node request and its body, or `null` when one cannot be built. */
function toFetchRequest(
  req: IncomingMessage,
  method: string,
  body: Uint8Array,
  origin: string,
  signal: AbortSignal,
): Request | null {
  const url = requestUrl(origin, req.url ?? '/');
  if (url === null) return null;
  try {
    return new Request(url, {
      method,
      headers: fetchHeaders(req),
      body: body.byteLength > 0 ? (body as unknown as BodyInit) : undefined,
      signal,
    });
  } catch {
    return null;
  }
}

/** Answers 400 `invalid_request` to a request that could not be turned into a Fetch request. */
function unparsable(res: ServerResponse): void {
  res.writeHead(400, { 'content-type': 'application/json; charset=utf-8' });
  res.end(
    JSON.stringify({
      error: { code: 'invalid_request', message: 'The request could not be parsed.' },
    }),
  );
}

/**
 * Writes a Fetch `Response` to the Node response: status and headers (each `Set-Cookie` kept
 * apart), then the body streamed with back-pressure (none for HEAD); a failing stream closes the
 * socket.
 */
async function writeResponse(
  req: IncomingMessage,
  res: ServerResponse,
  response: Response,
  method: string,
): Promise<void> {
  const out: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    out[name] = value;
  });
  const cookies = response.headers.getSetCookie?.() ?? [];
  if (cookies.length > 0) out['set-cookie'] = cookies;
  res.writeHead(response.status, out);
  if (!response.body || method === 'HEAD') {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await new Promise<void>((resolve) => res.once('drain', resolve));
    }
    res.end();
  } catch {
    req.socket.destroy();
  }
}

/**
 * Serves one Node request: reads the bounded body, asks the emulator, writes its answer. `origin`
 * is the server's printed one (`http://host:port`), the origin of every Fetch request it builds.
 */
async function handle(
  emulator: Emulator,
  origin: string,
  req: IncomingMessage,
  res: ServerResponse,
  openControlPlane: boolean,
): Promise<void> {
  if (!openControlPlane && !controlAllowed(req, origin)) {
    res.writeHead(403, { 'content-type': 'application/json; charset=utf-8' });
    res.end(
      JSON.stringify({
        error: {
          code: 'forbidden',
          message:
            'The control plane answers loopback requests only (start with --open-control-plane to open it).',
        },
      }),
    );
    return;
  }
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  const method = (req.method ?? 'GET').toUpperCase();
  const body = method === 'GET' || method === 'HEAD' ? new Uint8Array(0) : await readBody(req);
  if (body === 'too_large') {
    tooLarge(res);
    return;
  }
  const request = toFetchRequest(req, method, body, origin, controller.signal);
  if (!request) {
    unparsable(res);
    return;
  }
  let response: Response;
  try {
    response = await emulator.fetch(request);
  } catch {
    // A dropped connection (injected fault) or an abort by the client: close the socket.
    req.socket.destroy();
    return;
  }
  await writeResponse(req, res, response, method);
}

/** Answers 500 to a request whose handling threw, or closes its socket when headers are out. */
function failed(req: IncomingMessage, res: ServerResponse): void {
  if (res.headersSent) {
    req.socket.destroy();
    return;
  }
  res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
  res.end(
    JSON.stringify({
      error: { code: 'internal_error', message: 'The emulator server failed unexpectedly.' },
    }),
  );
}

/**
 * The server's origin, printed as its `url`: the public origin when one is given, else
 * `http://host:port` of the bound address, as `URL` spells it (lower-case host, so the printed
 * URL and the issuer are the same string). A host no URL can carry (an IPv6 zone id,
 * `fe80::1%eth0`) gets the loopback origin of its family.
 */
function serverOrigin(host: string, port: number, publicUrl: string | undefined): string {
  if (publicUrl !== undefined) return publicOrigin(publicUrl);
  try {
    return new URL(`http://${urlHost(host)}:${port}`).origin;
  } catch {
    return `http://${host.includes(':') ? '[::1]' : '127.0.0.1'}:${port}`;
  }
}

/** Listens on `port` and `host`; rejects when the address cannot be bound. */
function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Starts an HTTP server for an emulator.
 *
 * @example
 * const server = await serveEmulator({ port: 0 });
 * const { loginId, apiKey } = server.emulator.project;
 * const client = new Protekt({ loginId, apiKey, baseUrl: server.baseUrl });
 * // …
 * await server.close();
 */
export async function serveEmulator(options: ServeEmulatorOptions = {}): Promise<EmulatorServer> {
  const host = options.host ?? '127.0.0.1';
  // Checked before binding, so a bad one leaves no server behind.
  if (options.publicUrl !== undefined) publicOrigin(options.publicUrl);
  const emulator = options.emulator ?? createEmulator();
  // Set once bound, before any connection is accepted: every request URL is built on it.
  let origin = '';
  const open = options.openControlPlane === true;
  const server = createServer((req, res) => {
    handle(emulator, origin, req, res, open).catch(() => failed(req, res));
  });
  // Connections are reused as a real server's are: undici keeps a socket only when the server's
  // keep-alive hint exceeds its 1 s safety margin, so a 1 s hint made every request reconnect.
  server.keepAliveTimeout = 5_000;
  await listen(server, options.port ?? 8787, host);
  const port = (server.address() as AddressInfo).port;
  origin = serverOrigin(host, port, options.publicUrl);
  const unsubscribe = options.onMessage ? emulator.outbox.subscribe(options.onMessage) : () => {};
  return {
    url: origin,
    baseUrl: `${origin}/v1`,
    accountBaseUrl: `${origin}/account/v1`,
    port,
    emulator,
    close: () =>
      new Promise<void>((resolve, reject) => {
        unsubscribe();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections?.();
      }),
  };
}
