/**
 * Node-only helpers of the adapter tests: serve a Node request listener on 127.0.0.1 (port 0) and
 * read an answer the way the refusal table does.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { GuardAnswer } from '../support/guard-table.js';

/** A server listening on 127.0.0.1, its base URL, and how to close it. */
export async function listen(
  listener: RequestListener,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** GETs `url` with `headers`; the answer with its JSON body (or `null`). */
export async function get(url: string, headers: Record<string, string> = {}): Promise<GuardAnswer> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}
