/**
 * Size budget of what users ship to Workers and the edge (issue 7). Bundles are built by esbuild
 * from the SOURCES with the conditions users' bundlers apply there (ESM, minified, `worker` +
 * `browser`, `#crypto` → the default web-standard shim); see bench/lib/size.mjs. Sizes are gzip
 * (level 9) bytes, budgets in kB of 1,000 bytes:
 * - the whole client (`Protekt`, every resource, `Protekt.mock`, `verifyToken`): 12 kB — not met
 *   yet, so held to CLIENT_CEILING (a ceiling that only goes down) until it is;
 * - the Hono middleware entry, hono left external: 1 kB.
 * The figures are printed on every run; `npm run bench` puts them beside the peers'.
 */
import { describe, expect, it } from 'vitest';
import { BUDGETS, CLIENT_CEILING, measureBudgets } from '../../bench/lib/size.mjs';

const kB = (n: number): string => `${(n / 1000).toFixed(2)} kB`;

describe('bundle size budget', () => {
  it('the client and the Hono middleware stay within their gzip budgets', async () => {
    const m = await measureBudgets();
    const top = m.client.inputs
      .slice(0, 8)
      .map((i) => `${i.path} ${i.bytes}`)
      .join(', ');
    console.log(
      [
        `client      ${kB(m.client.gzip)} gzip (${m.client.raw} B minified), budget ${kB(BUDGETS.client)}`,
        `middleware  ${kB(m.middleware.gzip)} gzip (${m.middleware.raw} B minified, hono external), budget ${kB(BUDGETS.middleware)}`,
        `            hono app ${kB(m.honoApp.gzip)} → with the middleware ${kB(m.honoAppWithMiddleware.gzip)} (+${m.middlewareDelta} B, incl. hono/cookie)`,
        `largest client inputs (minified bytes): ${top}`,
      ].join('\n'),
    );
    const why = 'see docs/benchmarks.md (where the bytes are, and what was measured last)';
    // The middleware is within its budget; the client is not yet (issue 7 is open): it is held to
    // a ceiling that only goes down, and the gap to the target is printed on every run.
    expect.soft(m.middleware.gzip, `Hono middleware ${kB(m.middleware.gzip)} gzip is over its ${kB(BUDGETS.middleware)} budget: ${why}`).toBeLessThanOrEqual(
      BUDGETS.middleware,
    );
    const limit = Math.max(BUDGETS.client, CLIENT_CEILING);
    if (m.client.gzip > BUDGETS.client) console.log(`client is ${m.client.gzip - BUDGETS.client} B over its ${kB(BUDGETS.client)} target (ceiling ${kB(CLIENT_CEILING)})`);
    expect.soft(m.client.gzip, `client bundle ${kB(m.client.gzip)} gzip grew past its ${kB(limit)} ceiling: ${why}`).toBeLessThanOrEqual(limit);
  }, 60_000);

  it('nothing of jose, node: built-ins or the emulator ends up in the client bundle', async () => {
    const { client } = await measureBudgets();
    const paths = client.inputs.map((i) => i.path);
    expect(paths.filter((p) => /node_modules|src\/testing\/|src\/cli\/|node:/.test(p))).toEqual([]);
  }, 60_000);
});
