/**
 * `protekt-emulator`: serves a local Protekt on 127.0.0.1 for a client in any language.
 *
 *   protekt-emulator [--port 8787] [--host 127.0.0.1] [--public-url http://…]
 *                    [--login-id lp_…] [--api-key pk_test_…] [--json]
 *
 * Prints the URL, the base URL and the default project's credentials, then serves until
 * SIGINT/SIGTERM (exit 0). Node only.
 */
import { readFileSync } from 'node:fs';
import { isLocalHost } from '../client-options.js';
import { messageJson } from '../testing/control/api.js';
import { updateProjectSettings } from '../testing/control/settings.js';
import {
  createEmulator,
  type Emulator,
  type EmulatorProject,
  type OutboxMessage,
} from '../testing/index.js';
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
      openControlPlane: options.openControlPlane,
      onMessage: (message) => printMessage(message, options.json),
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
  // The organisation's owner, for the Account API (a local emulator's password protects nothing).
  const { email, password } = server.emulator.account;
  const account = { baseUrl: server.accountBaseUrl, email, password };
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ url: server.url, baseUrl: server.baseUrl, port: server.port, jwksUrl: `${server.baseUrl}/.well-known/jwks.json`, loginId: project.loginId, apiKey: project.apiKey, projectId: project.projectId, account })}\n`,
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
      `  Account API: ${account.baseUrl} (owner ${email}, password ${password})`,
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

/**
 * One line per message as it is sent: what, to whom, and the code or link a developer needs to
 * finish the flow (this is a local emulator: its codes protect nothing).
 */
function printMessage(message: OutboxMessage, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ event: 'outbox', ...messageJson(message) })}\n`);
    return;
  }
  const what = message.code !== undefined ? `code ${message.code}` : (message.link ?? '');
  process.stdout.write(`[outbox] ${message.kind} to ${message.to}: ${what}\n`);
}

const FILE_KEYS = [
  'name',
  'redirect_url',
  'allowed_origins',
  'mfa_required',
  'require_email_verification',
  'token_expiry',
  'refresh_token_expiry',
  'sso_connections',
];

/** The settings of `--config`: a JSON object with the control plane's setting names only. */
function fileSettings(path: string): Record<string, unknown> {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new TypeError(`${path} must hold a JSON object of project settings`);
  const unknown = Object.keys(parsed).filter((k) => !FILE_KEYS.includes(k));
  if (unknown.length > 0)
    throw new TypeError(
      `${path}: unknown setting ${unknown.join(', ')} (known: ${FILE_KEYS.join(', ')})`,
    );
  return parsed as Record<string, unknown>;
}

/** Applies `--config` then the setting flags to the default project; exits 2 when refused. */
function applySettings(options: CliOptions, project: EmulatorProject): void {
  try {
    if (options.config !== undefined) updateProjectSettings(project, fileSettings(options.config));
    updateProjectSettings(project, options.settings);
  } catch (err) {
    process.stderr.write(`protekt-emulator: ${(err as Error).message}\n`);
    process.exit(2);
  }
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
  applySettings(options, emulator.project);
  const server = await startServer(options, emulator);
  printBanner(server, emulator.project, options.json);
  stopOnSignals(server);
}

main().catch((err: unknown) => {
  process.stderr.write(`protekt-emulator: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
});
