// Provisions the Node versions of the matrix that are not the machine's own: the official
// binaries as published in the `node-<platform>-<arch>` npm packages, fetched with `npm pack`
// (the npm registry is the only network the project may use) and cached under
// .cache/node/<version>/.
// Usage: node runtimes/node/provision.mjs [18 22 24]  → prints {"18":
// "/abs/.cache/node/18.20.8/bin/node", ...}
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Pinned so every machine runs the same binaries (latest patch of each line when pinned). */
export const NODE_VERSIONS = { 18: '18.20.8', 22: '22.23.3', 24: '24.21.0' };

const root = fileURLToPath(new URL('../../', import.meta.url));
const cacheDir = join(root, '.cache', 'node');

/** Returns the path of `bin/node` for a major version, downloading it on first use. */
export function provisionNode(major) {
  const version = NODE_VERSIONS[major];
  if (!version) throw new Error(`No pinned Node version for ${major}`);
  const dir = join(cacheDir, version);
  const bin = join(dir, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (existsSync(bin)) return bin;
  const pkg = `node-${process.platform}-${process.arch}@${version}`;
  const tmp = join(cacheDir, `_tmp-${version}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    execFileSync('npm', ['pack', pkg, '--silent', '--prefer-offline', '--pack-destination', tmp], {
      cwd: tmp,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack ${pkg} produced no tarball`);
    execFileSync('tar', ['-xzf', join(tmp, tgz), '-C', tmp], { stdio: 'inherit' });
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(tmp, 'package'), dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const got = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  if (got !== `v${version}`) throw new Error(`${bin} reports ${got}, expected v${version}`);
  return bin;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const majors = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(NODE_VERSIONS);
  const out = {};
  for (const m of majors) out[m] = provisionNode(m);
  console.log(JSON.stringify(out, null, 2));
}
