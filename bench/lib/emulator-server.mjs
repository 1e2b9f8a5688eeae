/**
 * Child process of the API-call benchmark: serves the emulator (the bundled `serveEmulator` of
 * src/cli/serve.ts) on 127.0.0.1, creates one user, prints `{ baseUrl, loginId, apiKey, userId }`
 * as one JSON line, and serves until its stdin closes.
 */
const { serveEmulator, createEmulator } = await import(process.argv[2]);
const emulator = createEmulator({ pbkdf2Iterations: 1000 });
const server = await serveEmulator({ port: 0, host: '127.0.0.1', emulator });
const user = await emulator.createUser({
  email: 'bench@example.com',
  emailVerified: true,
  metadata: { plan: 'pro' },
});
process.stdout.write(
  `${JSON.stringify({ baseUrl: server.baseUrl, loginId: emulator.project.loginId, apiKey: emulator.project.apiKey, userId: user.id })}\n`,
);
process.stdin.resume();
process.stdin.on('end', () => server.close().then(() => process.exit(0)));
