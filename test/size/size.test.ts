/**
 * Size budget of what users ship to Workers and the edge. Bundles are built by esbuild from the
 * SOURCES with the conditions users' bundlers apply there (ESM, minified, `worker` + `browser`,
 * `#crypto` → the default web-standard shim); see bench/lib/size.mjs. Sizes are gzip (level 9)
 * bytes, budgets in kB of 1,000 bytes, with room on purpose:
 * - the whole client (`Protekt`, every resource, `Protekt.mock`, `verifyToken`, the Account
 *   API): 26 kB (why: the comment on BUDGETS);
 * - the Hono middleware, beyond the client (an app that has the client), hono external: 1.2 kB;
 * - each framework adapter (./hono, ./express, ./fastify, ./next, ./nestjs), beyond the client,
 *   its framework external: 1 kB (issue 17).
 * Below the budgets bytes are informational: the run prints what grew since the recorded report
 * (bench/size-report.json, rewritten by `npm run size -- --record`) and in which source files.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUDGETS, measureBudgets, sizeChanges, sizeSnapshot } from '../../bench/lib/size.mjs';

const kB = (n: number): string => `${(n / 1000).toFixed(2)} kB`;
const recorded = JSON.parse(
  readFileSync(new URL('../../bench/size-report.json', import.meta.url), 'utf8'),
);

describe('bundle size budget', () => {
  it('the client, the Hono middleware and every adapter stay within their gzip budgets', async () => {
    const m = await measureBudgets();
    console.log(
      [
        `client      ${kB(m.client.gzip)} gzip (${m.client.raw} B minified), budget ${kB(BUDGETS.client)}`,
        `middleware  +${kB(m.middlewareBeyondClient)} gzip beyond the client, budget ${kB(BUDGETS.middleware)} (alone, hono external: ${kB(m.middleware.gzip)})`,
        `            hono app ${kB(m.honoApp.gzip)} → with the middleware ${kB(m.honoAppWithMiddleware.gzip)} (+${m.middlewareDelta} B, incl. hono/cookie)`,
        ...Object.entries(m.adapters).map(
          ([name, a]) =>
            `./${name.padEnd(8)} +${kB(a.beyondClient)} gzip beyond the client, budget ${kB(BUDGETS.adapter)} (alone, framework external: ${kB(a.alone)})`,
        ),
        `changes since the recorded report (${recorded.note}):`,
        ...sizeChanges(recorded, sizeSnapshot(m)),
      ].join('\n'),
    );
    const why = 'see the changes printed above and docs/benchmarks.md (where the bytes are)';
    expect
      .soft(
        m.middlewareBeyondClient,
        `Hono middleware adds ${kB(m.middlewareBeyondClient)} gzip to the client, over its ${kB(BUDGETS.middleware)} budget: ${why}`,
      )
      .toBeLessThanOrEqual(BUDGETS.middleware);
    for (const [name, a] of Object.entries(m.adapters)) {
      expect
        .soft(
          a.beyondClient,
          `./${name} adds ${kB(a.beyondClient)} gzip to the client, over the ${kB(BUDGETS.adapter)} adapter budget: ${why}`,
        )
        .toBeLessThanOrEqual(BUDGETS.adapter);
    }
    expect
      .soft(
        m.client.gzip,
        `client bundle ${kB(m.client.gzip)} gzip is over its ${kB(BUDGETS.client)} budget: ${why}`,
      )
      .toBeLessThanOrEqual(BUDGETS.client);
  }, 60_000);

  it('nothing of jose, node: built-ins or the emulator ends up in the client bundle', async () => {
    const { client } = await measureBudgets();
    const paths = client.inputs.map((i) => i.path);
    expect(paths.filter((p) => /node_modules|src\/testing\/|src\/cli\/|node:/.test(p))).toEqual([]);
  }, 60_000);
});
