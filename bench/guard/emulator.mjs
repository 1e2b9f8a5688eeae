/**
 * Child process of the guard benchmark: serves the emulator (the bundled `serveEmulator`, path in
 * argv[2]) on 127.0.0.1, mints argv[3] distinct access tokens of one user, prints
 * `{ baseUrl, loginId, apiKey, tokens }` as one JSON line, and serves until its stdin closes.
 */
const { serveEmulator, createEmulator } = await import(process.argv[2]);
const count = Number(process.argv[3] ?? 1000);
const emulator = createEmulator({ pbkdf2Iterations: 1000 });
const server = await serveEmulator({ port: 0, host: '127.0.0.1', emulator });
const user = await emulator.createUser({ email: 'bench@example.com', emailVerified: true });
const tokens = [];
for (let i = 0; i < count; i++)
  tokens.push(
    await emulator.issueAccessToken({
      userId: String(user.id),
      expiresIn: 3600,
      issuer: new URL(server.baseUrl).origin, // what a client of this server expects
    }),
  );
process.stdout.write(
  `${JSON.stringify({ baseUrl: server.baseUrl, loginId: emulator.project.loginId, apiKey: emulator.project.apiKey, tokens })}\n`,
);
process.stdin.resume();
process.stdin.on('end', () => server.close().then(() => process.exit(0)));
