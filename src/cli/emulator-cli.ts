/**
 * `protekt-emulator`: serves a local Protekt on 127.0.0.1 for a client in any language.
 *
 *   protekt-emulator [--port 8787] [--host 127.0.0.1] [--login-id lp_…]
 *                    [--api-key pk_test_…] [--json]
 *
 * Prints the URL, the base URL and the default project's credentials, then serves until
 * SIGINT/SIGTERM (exit 0). Node only.
 */
import { createEmulator } from '../testing/index.js';
import { USAGE, parseArgs, type CliOptions } from './args.js';
import { serveEmulator } from './serve.js';

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`protekt-emulator: ${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  const emulator = createEmulator({
    project: {
      ...(options.loginId !== undefined ? { loginId: options.loginId } : {}),
      ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
    },
  });
  let server: Awaited<ReturnType<typeof serveEmulator>>;
  try {
    server = await serveEmulator({ port: options.port, host: options.host, emulator });
  } catch (err) {
    process.stderr.write(
      `protekt-emulator: cannot listen on ${options.host}:${options.port}: ${(err as Error).message}\n`,
    );
    process.exit(1);
  }
  const { project } = emulator;
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ url: server.url, baseUrl: server.baseUrl, port: server.port, jwksUrl: `${server.baseUrl}/.well-known/jwks.json`, loginId: project.loginId, apiKey: project.apiKey, projectId: project.projectId })}\n`,
    );
  } else {
    process.stdout.write(
      [
        `Protekt emulator listening on ${server.url}`,
        `  Base URL:   ${server.baseUrl}`,
        `  JWKS:       ${server.baseUrl}/.well-known/jwks.json`,
        `  Login ID:   ${project.loginId}`,
        `  API key:    ${project.apiKey}`,
        `  Project ID: ${project.projectId}`,
        'In-memory only: everything is gone when it stops. Press Ctrl+C to stop.',
        '',
      ].join('\n'),
    );
  }
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
    // Never hang on shutdown.
    setTimeout(() => process.exit(0), 2_000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`protekt-emulator: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
});
