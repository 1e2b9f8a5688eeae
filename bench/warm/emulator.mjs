/**
 * Child process of the guard-under-load benchmark of issue 19 (bench/suites/warm.mjs): serves the emulator (the bundled `serveEmulator`, path in
 * argv[2]) on 127.0.0.1, issues argv[3] distinct access tokens (one hour each, spread over 100
 * users), writes them to the file argv[4] (one per line), prints `{ baseUrl, loginId, apiKey, jwks }`
 * as one JSON line, and serves until its stdin closes.
 */
import { writeFileSync } from 'node:fs';

const [serveBundle, count, tokensFile] = process.argv.slice(2);
const { serveEmulator, createEmulator } = await import(serveBundle);
const emulator = createEmulator({ pbkdf2Iterations: 1000 });
const server = await serveEmulator({ port: 0, host: '127.0.0.1', emulator });
const users = [];
for (let i = 0; i < 100; i++) {
  users.push(await emulator.createUser({ email: `guard${i}@example.com`, emailVerified: true }));
}
const origin = new URL(server.baseUrl).origin;
const tokens = [];
for (let i = 0; i < Number(count); i++) {
  const userId = users[i % users.length].id;
  // Issued for the origin the server is reached at, as Protekt issues for its own.
  tokens.push(await emulator.issueAccessToken({ userId, expiresIn: 3600, issuer: origin }));
}
writeFileSync(tokensFile, tokens.join('\n'));
const { loginId, apiKey } = emulator.project;
const jwks = await emulator.jwks();
process.stdout.write(`${JSON.stringify({ baseUrl: server.baseUrl, loginId, apiKey, jwks })}\n`);
process.stdin.resume();
process.stdin.on('end', () => server.close().then(() => process.exit(0)));
