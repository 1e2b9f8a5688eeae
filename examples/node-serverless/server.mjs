// Runs handler.mjs on Node's own HTTP server: each Node request becomes a web `Request`, the
// handler's `Response` is written back. About what a serverless platform does for you.
//   PROTEKT_LOGIN_ID=lp_... PROTEKT_API_KEY=pk_... node server.mjs
import { createServer } from 'node:http';
import { handler } from './handler.mjs';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 3000);

const server = createServer(async (req, res) => {
  try {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      for (const v of Array.isArray(value) ? value : [value ?? '']) headers.append(name, v);
    }
    const request = new Request(new URL(req.url ?? '/', `http://${req.headers.host ?? host}`), {
      method: req.method,
      headers,
      body: chunks.length ? Buffer.concat(chunks) : undefined,
    });
    const response = await handler(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (err) {
    console.error(err);
    res
      .writeHead(500, { 'content-type': 'application/json' })
      .end('{"error":{"code":"internal_error"}}');
  }
});

server.listen(port, host, () => {
  const { port: bound } = server.address();
  console.log(`node-serverless example listening on http://${host}:${bound}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections?.(); // Node 18.2+: do not wait for idle keep-alive sockets
  });
}
