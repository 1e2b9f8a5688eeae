/**
 * Serves an emulator over HTTP with Node's `http` module (Node only). Request bodies are
 * bounded at 64 KiB; answers are streamed; a `drop` fault destroys the socket.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEmulator, type Emulator } from '../testing/index.js';

/** Options of {@link serveEmulator}. */
export interface ServeEmulatorOptions {
  /** Port (default 8787; `0` picks a free one). */
  port?: number | undefined;
  /** Interface to bind (default `127.0.0.1`). */
  host?: string | undefined;
  /** The emulator to serve (default: a new one). */
  emulator?: Emulator | undefined;
}

/** A running server. */
export interface EmulatorServer {
  /** `http://host:port` (no trailing slash). */
  readonly url: string;
  /** The API base URL, `url + '/v1'`. */
  readonly baseUrl: string;
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

/** The Fetch `Request` for a Node request and its body, or `null` when one cannot be built. */
function toFetchRequest(
  req: IncomingMessage,
  method: string,
  body: Uint8Array,
  fallbackHost: string,
  signal: AbortSignal,
): Request | null {
  const headers = fetchHeaders(req);
  const host = req.headers.host ?? fallbackHost;
  try {
    return new Request(`http://${host}${req.url ?? '/'}`, {
      method,
      headers,
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

/** Serves one Node request: reads the bounded body, asks the emulator, writes its answer. */
async function handle(
  emulator: Emulator,
  fallbackHost: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
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
  const request = toFetchRequest(req, method, body, fallbackHost, controller.signal);
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
  const emulator = options.emulator ?? createEmulator();
  const server = createServer((req, res) => {
    handle(
      emulator,
      `${host}:${(server.address() as AddressInfo | null)?.port ?? ''}`,
      req,
      res,
    ).catch(() => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(
          JSON.stringify({
            error: { code: 'internal_error', message: 'The emulator server failed unexpectedly.' },
          }),
        );
      } else {
        req.socket.destroy();
      }
    });
  });
  // Connections are reused as a real server's are: undici keeps a socket only when the server's
  // keep-alive hint exceeds its 1 s safety margin, so a 1 s hint made every request reconnect.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8787, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${urlHost(host)}:${port}`;
  return {
    url,
    baseUrl: `${url}/v1`,
    port,
    emulator,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections?.();
      }),
  };
}
