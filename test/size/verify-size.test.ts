/**
 * Size of a Worker that only verifies tokens (`@protekt/node/verify`, with the revocation check),
 * built like every budgeted bundle (bench/lib/size.mjs: esbuild from the sources, ESM, minified,
 * `worker` + `browser`, gzip -9). The budget and why it is where it is: `VERIFY_BUDGET` there.
 */
import { describe, expect, it } from 'vitest';
import { BUDGETS, measureVerifyOnly } from '../../bench/lib/size.mjs';

const kB = (n: number): string => `${(n / 1000).toFixed(2)} kB`;

describe('verify-only bundle', () => {
  it('a Worker that only verifies tokens stays within its budget, and carries no resource', async () => {
    const { worker, honoAppDelta } = await measureVerifyOnly();
    console.log(
      `verify-only Worker ${kB(worker.gzip)} gzip (${worker.raw} B minified), budget ${kB(BUDGETS.verify)}; a Hono app grows by ${kB(honoAppDelta)} with protektAuth on it`,
    );
    expect(worker.gzip).toBeLessThanOrEqual(BUDGETS.verify);
    const paths = worker.inputs.map((i: { path: string }) => i.path);
    expect(
      paths.filter((p: string) =>
        /src\/(resources|client\.ts|mock\.ts|testing|cli)\b|node_modules|node:/.test(p),
      ),
    ).toEqual([]);
  }, 60_000);
});
