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
  --json             print one JSON line with the URLs and credentials instead of text
  -h, --help         show this help
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

/** Parses arguments; throws a `TypeError` with a readable message on bad input. */
export function parseArgs(argv: readonly string[]): CliOptions {
  const out: CliOptions = { port: 8787, host: '127.0.0.1', json: false, help: false };
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
