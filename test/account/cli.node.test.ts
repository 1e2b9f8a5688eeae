/**
 * The Account API over real HTTP: `protekt-emulator` (bundled from source) prints where the
 * Account API is and who owns the organisation, and the SDK drives all 14 operations through it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_OPERATIONS, walkAccountApi } from './_walk.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;
let bin: string;
const children: ChildProcess[] = [];

/** Starts the bin and resolves with its first line of output. */
function start(args: string[]): Promise<{ child: ChildProcess; line: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the bin did not start: ${out}`)), 15_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('In-memory only') || (args.includes('--json') && out.includes('\n'))) {
        clearTimeout(timer);
        resolve({ child, line: out });
      }
    });
    child.on('exit', (code) => reject(new Error(`the bin exited with ${code}`)));
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'protekt-account-'));
  bin = join(dir, 'emulator-cli.mjs');
  await build({
    entryPoints: [join(root, 'src/cli/emulator-cli.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node18',
    outfile: bin,
    alias: { '#crypto': join(root, 'src/runtime/crypto-node.ts') },
    logLevel: 'silent',
  });
});

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('protekt-emulator and the Account API', () => {
  it('prints the Account API base URL and the owner, and serves all 14 operations to the SDK', async () => {
    const { child, line } = await start(['--port', '0', '--json']);
    const info = JSON.parse(line.split('\n')[0]!);
    expect(info.account).toEqual({
      baseUrl: `${info.url}/account/v1`,
      email: 'owner@example.com',
      password: expect.stringMatching(/^pw_/),
    });
    const ran = await walkAccountApi({
      options: {
        loginId: info.loginId,
        apiKey: info.apiKey,
        baseUrl: info.baseUrl,
        accountBaseUrl: info.account.baseUrl,
      },
      owner: info.account,
    });
    expect([...ran].sort()).toEqual([...ALL_OPERATIONS].sort());
    child.kill('SIGTERM');
  });

  it('the text banner names the Account API and the owner', async () => {
    const { child, line } = await start(['--port', '0']);
    expect(line).toMatch(
      /Account API: http:\/\/127\.0\.0\.1:\d+\/account\/v1 \(owner owner@example\.com, password pw_\S+\)/,
    );
    child.kill('SIGTERM');
  });
});
