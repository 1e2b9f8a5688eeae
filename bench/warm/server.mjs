/**
 * Child process of the guard-under-load benchmark of issue 19 (bench/suites/warm.mjs): a Hono app on node:http whose `/api/me` is guarded one of
 * three ways (argv[2]): `hono-jwk` (hono's own `jwk` middleware given the JWKS `keys`), or
 * `protektAuth` on a verify-only verifier with `revocationCheck: false` (`protekt-off`), with the
 * default policy against the emulator (`protekt-default`), or with `acceptBeforeCheck`
 * (`protekt-accept`). argv[3]: the guard bundle (`protektAuth`, `createVerifier`, built from the
 * sources); argv[4]: the emulator's `{ baseUrl, loginId, apiKey, jwks }` as JSON. Prints
 * `{ port }` once listening; serves until its stdin closes. Both guards go through the same
 * node:http → fetch bridge.
 */
import { createServer } from 'node:http';
import { Hono } from 'hono';
import { jwk } from 'hono/jwk';

const [mode, guardBundle, configJson] = process.argv.slice(2);
const config = JSON.parse(configJson);
const app = new Hono();
if (mode === 'hono-jwk') {
  app.use('/api/*', jwk({ keys: config.jwks.keys, alg: ['RS256'] }));
  app.get('/api/me', (c) => c.json({ id: c.get('jwtPayload').sub }));
} else {
  const { protektAuth, createVerifier } = await import(guardBundle);
  const revocationCheck = {
    'protekt-off': false,
    'protekt-default': undefined,
    'protekt-accept': { acceptBeforeCheck: true },
  }[mode];
  const verifier = createVerifier({
    loginId: config.loginId,
    apiKey: config.apiKey,
    baseUrl: config.baseUrl,
    ...(revocationCheck === undefined ? {} : { revocationCheck }),
  });
  app.use('/api/*', protektAuth({ client: verifier }));
  app.get('/api/me', (c) => c.json({ id: c.get('user').id }));
}

const server = createServer(async (req, res) => {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const response = await app.fetch(
    new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers }),
  );
  const body = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => server.close(() => process.exit(0)));
