// Headless Chromium for the browser tests (test/browser/): Debian's `chromium` package at
// /usr/bin/chromium, installed with apt when it is missing. CI runs as root on a fresh Debian
// machine (.ci/run); elsewhere, install it yourself: `sudo apt-get install -y chromium`.
//
//   node scripts/provision-chromium.mjs     installs when missing, prints the path
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where the browser tests expect Chromium. */
export const CHROMIUM = '/usr/bin/chromium';

/** Runs apt-get with its output on stderr; throws when it fails. */
function aptGet(args) {
  const res = spawnSync('apt-get', args, {
    stdio: ['ignore', 2, 2],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (res.status !== 0)
    throw new Error(`apt-get ${args.join(' ')} failed (${res.error?.message ?? res.status})`);
}

/**
 * Makes sure /usr/bin/chromium exists, installing Debian's package when it does not (as root:
 * `apt-get update` first, since a fresh machine has no package lists). Returns the path.
 */
export function provisionChromium() {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() !== 0)
    throw new Error(`${CHROMIUM} is missing: install it with \`sudo apt-get install -y chromium\``);
  console.error("provision-chromium: installing Debian's chromium package (a few minutes)…");
  aptGet(['update']);
  aptGet(['install', '-y', 'chromium']);
  if (!existsSync(CHROMIUM))
    throw new Error(`apt-get installed chromium but ${CHROMIUM} is absent`);
  return CHROMIUM;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(provisionChromium());
