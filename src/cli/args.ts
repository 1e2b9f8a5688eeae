/**
 * Command-line parsing of `protekt-emulator` (kept apart so it can be tested without starting a
 * server).
 */

import { PROJECT_IDS } from '../client-options.js';
import { publicOrigin } from './origin.js';

/** Parsed command line. */
export interface CliOptions {
  port: number;
  host: string;
  loginId?: string;
  apiKey?: string;
  /** `--public-url`: the origin clients reach the server by (checked by `publicOrigin`). */
  publicUrl?: string;
  json: boolean;
  help: boolean;
  /** `--config <file>`: a JSON file of project settings (snake_case, as the control plane takes). */
  config?: string;
  /** Settings from flags (snake_case), applied after the file's. */
  settings: Record<string, unknown>;
  /** `--open-control-plane`: serve `/_emulator` to other machines too. */
  openControlPlane: boolean;
}

/** The help text. */
export const USAGE = `Usage: protekt-emulator [options]

Serves a local, in-memory Protekt Authentication API below /v1.

Options:
  --port <n>         port to listen on (default 8787; 0 picks a free port)
  --host <addr>      interface to bind (default 127.0.0.1)
  --public-url <url> the origin clients reach it by, when not the bound address (behind a
                     proxy, in a container: http://protekt:8787); the token issuer and the
                     start of every redirect. Never taken from a request's Host header
  --login-id <id>    pin the default project's login id (default: random lp_…)
  --api-key <key>    pin the default project's API key (default: random pk_test_…)
  --json             print one JSON line with the URLs and credentials instead of text, then
                     one JSON line per message sent (OTP codes, magic links, resets…)

Project settings (or all of them in a file with --config):
  --config <file>            JSON: { "redirect_url", "allowed_origins", "mfa_required",
                             "token_expiry", "refresh_token_expiry", "sso_connections", "name" }
  --redirect-url <url>       default redirect of the hosted pages and links
  --allowed-origin <origin>  another allowed redirect origin (repeat for more)
  --mfa-required             every user must use MFA
  --token-expiry <s>         access token lifetime in seconds (default 3600)
  --refresh-token-expiry <s> refresh token lifetime in seconds (default 2592000)
  --sso-connection <name:domain,domain>  an SSO connection (repeat for more)
  --project-name <name>      shown on the hosted login page

  --open-control-plane       serve /_emulator (control plane, dashboard) to other machines too;
                             by default only loopback requests reach it
  -h, --help         show this help

Every message the emulator would e-mail or text is printed as it is sent, one line each.
Control plane and dashboard: <url>/_emulator (see docs/emulator.md).
`;

/**
 * A `--login-id` or `--api-key` checked as the client checks its `loginId` and `apiKey`: the CLI
 * never serves credentials a client would refuse. The value is not repeated (it may be a key).
 */
function projectId(flag: string, value: string, option: keyof typeof PROJECT_IDS): string {
  const { pattern, what, form } = PROJECT_IDS[option];
  if (!pattern.test(value)) throw new TypeError(`${flag} must be ${what}: ${form}`);
  return value;
}

/** Appends to a list setting. */
function append(out: CliOptions, key: string, item: unknown): void {
  out.settings[key] = [...((out.settings[key] as unknown[] | undefined) ?? []), item];
}

/** The options with no flag given. */
function defaultOptions(): CliOptions {
  return {
    port: 8787,
    host: '127.0.0.1',
    json: false,
    help: false,
    settings: {},
    openControlPlane: false,
  };
}

/**
 * Reads a project-setting flag (or `--open-control-plane`) into `out` (checked later, with the file's, by the control plane's
 * settings rules); false when `name` is not one.
 */
function settingFlag(name: string, value: () => string, out: CliOptions): boolean {
  const { settings } = out;
  switch (name) {
    case '--config':
      out.config = value();
      return true;
    case '--redirect-url':
      settings['redirect_url'] = value();
      return true;
    case '--allowed-origin':
      append(out, 'allowed_origins', value());
      return true;
    case '--mfa-required':
      settings['mfa_required'] = true;
      return true;
    case '--token-expiry':
      settings['token_expiry'] = value();
      return true;
    case '--refresh-token-expiry':
      settings['refresh_token_expiry'] = value();
      return true;
    case '--sso-connection': {
      const [connection = '', domains = ''] = value().split(':');
      append(out, 'sso_connections', { name: connection.trim(), domains: domains.split(',') });
      return true;
    }
    case '--project-name':
      settings['name'] = value();
      return true;
    case '--open-control-plane':
      out.openControlPlane = true;
      return true;
    default:
      return false;
  }
}

/** Parses arguments; throws a `TypeError` with a readable message on bad input. */
export function parseArgs(argv: readonly string[]): CliOptions {
  const out = defaultOptions();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (arg.startsWith('--') && eq > 0) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new TypeError(`${name} needs a value`);
      return next;
    };
    if (settingFlag(name, value, out)) continue;
    switch (name) {
      case '--port': {
        const v = value();
        if (!/^\d{1,5}$/.test(v) || Number(v) > 65535)
          throw new TypeError(`--port must be an integer from 0 to 65535, got "${v}"`);
        out.port = Number(v);
        break;
      }
      case '--host':
        out.host = value();
        break;
      case '--public-url':
        out.publicUrl = value();
        publicOrigin(out.publicUrl, name);
        break;
      case '--login-id':
        out.loginId = projectId(name, value(), 'loginId');
        break;
      case '--api-key':
        out.apiKey = projectId(name, value(), 'apiKey');
        break;
      case '--json':
        out.json = true;
        break;
      case '-h':
      case '--help':
        out.help = true;
        break;
      default:
        throw new TypeError(`unknown option ${arg}`);
    }
  }
  return out;
}
