/**
 * `protekt-emulator`: serves a local Protekt on 127.0.0.1 for a client in any language.
 *
 *   protekt-emulator [--port 8787] [--host 127.0.0.1] [--public-url http://…]
 *                    [--login-id lp_…] [--api-key pk_test_…] [--json]
 *
 * Prints the URL, the base URL and the default project's credentials, then serves until
 * SIGINT/SIGTERM (exit 0). Node only.
 */
import { isLocalHost } from '../client-options.js';
import { createEmulator, type Emulator, type EmulatorProject } from '../testing/index.js';
import { USAGE, parseArgs, type CliOptions } from './args.js';
import { serveEmulator, type EmulatorServer } from './serve.js';

/** Parses the command line; on a bad flag prints the error and the usage and exits 2. */
function readOptions(): CliOptions {
  try {
    return parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`protekt-emulator: ${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}

/** Starts serving; when the address cannot be bound, prints why and exits 1. */
async function startServer(options: CliOptions, emulator: Emulator): Promise<EmulatorServer> {
  try {
    return await serveEmulator({
      port: options.port,
      host: options.host,
      publicUrl: options.publicUrl,
      emulator,
    });
  } catch (err) {
    process.stderr.write(
      `protekt-emulator: cannot listen on ${options.host}:${options.port}: ${(err as Error).message}\n`,
    );
    process.exit(1);
  }
}

/** Prints the URLs and the default project's credentials: text, or one JSON line. */
function printBanner(server: EmulatorServer, project: EmulatorProject, json: boolean): void {
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ url: server.url, baseUrl: server.baseUrl, port: server.port, jwksUrl: `${server.baseUrl}/.well-known/jwks.json`, loginId: project.loginId, apiKey: project.apiKey, projectId: project.projectId })}\n`,
    );
    return;
  }
  process.stdout.write(
    [
      `Protekt emulator listening on ${server.url}`,
      `  Base URL:   ${server.baseUrl}`,
      `  JWKS:       ${server.baseUrl}/.well-known/jwks.json`,
      `  Login ID:   ${project.loginId}`,
      `  API key:    ${project.apiKey}`,
      `  Project ID: ${project.projectId}`,
      ...hostNotes(server.baseUrl),
      'In-memory only: everything is gone when it stops. Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
}

/**
 * What a client needs to know about a base URL that is not on a loopback host: plain http there is
 * refused unless the client opts in (the API key would cross the network unencrypted).
 */
function hostNotes(baseUrl: string): string[] {
  const { hostname, protocol } = new URL(baseUrl);
  // An https public URL (a TLS proxy in front) needs no opt-in.
  if (isLocalHost(hostname) || protocol === 'https:') return [];
  return [
    `  Clients on other hosts: new Protekt({ baseUrl: '${baseUrl}', allowInsecureHttp: true, ... })`,
  ];
}

/** On SIGINT or SIGTERM, closes the server and exits 0. */
function stopOnSignals(server: EmulatorServer): void {
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

/** Parses the flags, starts the emulator and its server, prints where, serves until a signal. */
async function main(): Promise<void> {
  const options = readOptions();
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
  const server = await startServer(options, emulator);
  printBanner(server, emulator.project, options.json);
  stopOnSignals(server);
}

main().catch((err: unknown) => {
  process.stderr.write(`protekt-emulator: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
});
