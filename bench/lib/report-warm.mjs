/**
 * The report of issue 19's figures (bench/suites/warm.mjs): targets and tables, for
 * bench/lib/report.mjs to place among the others.
 */
import { BUDGETS } from './size.mjs';
import { GUARD_MODES } from '../suites/warm.mjs';

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const table = (head, rows) =>
  [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

// The guard's ratio to hono/jwk for one cell: requests/s and p99.
const ratios = (cell, mode) => ({
  rps: cell[mode].rps / cell['hono-jwk'].rps,
  p99: cell[mode].p99 / cell['hono-jwk'].p99,
});

/** Issue 19's targets, as `{ target, met, figure }`. */
export function warmTargets(res) {
  const w = res.warm;
  if (!w) return [];
  const t = [];
  const cell = w.load?.[10000];
  if (cell) {
    const d = ratios(cell, 'protekt-default');
    t.push({
      target: 'guard, default policy, 10,000 tokens: ≥ 1.0 × hono/jwk req/s, p99 ≤ 1.5 ×',
      met: d.rps >= 1 && d.p99 <= 1.5,
      figure: `${d.rps.toFixed(2)} × req/s, ${d.p99.toFixed(2)} × p99`,
    });
    const off = ratios(cell, 'protekt-off');
    t.push({
      target: 'guard, revocationCheck: false, 10,000 tokens: ≥ 1.5 × hono/jwk req/s',
      met: off.rps >= 1.5,
      figure: `${off.rps.toFixed(2)} × req/s, ${off.p99.toFixed(2)} × p99`,
    });
  }
  if (w.hits) {
    for (const policy of ['off', 'default']) {
      const a = w.hits[`16:${policy}:same`]?.ns;
      const b = w.hits[`10000:${policy}:same`]?.ns;
      if (a && b)
        t.push({
          target: `cache hit flat from 16 to 10,000 entries (${policy === 'off' ? 'revocationCheck: false' : 'default policy'}; within 1.5 ×)`,
          met: b / a <= 1.5,
          figure: `${a.toFixed(0)} ns → ${b.toFixed(0)} ns (${(b / a).toFixed(2)} ×)`,
        });
    }
  }
  for (const [version, n] of Object.entries(w.node ?? {})) {
    if (Number.parseInt(version, 10) < 20) continue;
    t.push({
      target: `import('@protekt/node') on Node ${version} within 5 ms of an empty module`,
      met: n.overEmpty <= 5,
      figure: `+${n.overEmpty.toFixed(2)} ms (median)`,
    });
  }
  if (w.verifyOnly) {
    t.push({
      target: 'verify-only Worker ≤ 9 kB gzip (issue 19)',
      met: w.verifyOnly.worker <= 9000,
      figure: `${(w.verifyOnly.worker / 1000).toFixed(2)} kB (budget test: ${BUDGETS.verify / 1000} kB)`,
    });
  }
  return t;
}

/** Issue 19's tables. */
export function warmMarkdown(res) {
  const w = res.warm;
  if (!w) return '';
  const parts = [];
  if (w.load) {
    const rows = [];
    for (const count of [1000, 10000]) {
      const cell = w.load[count];
      if (!cell) continue;
      for (const [mode, name] of Object.entries(GUARD_MODES)) {
        const m = cell[mode];
        if (!m) continue;
        const r = ratios(cell, mode);
        rows.push([
          `${fmt(count)} tokens`,
          mode === 'hono-jwk' ? name : `**${name}**`,
          fmt(m.rps),
          `${m.p50} ms`,
          `${m.p99} ms`,
          mode === 'hono-jwk' ? '1' : `**${r.rps.toFixed(2)}**`,
          mode === 'hono-jwk' ? '1' : `**${r.p99.toFixed(2)}**`,
          m.non2xx || m.errors ? `${m.non2xx} non-2xx, ${m.errors} errors` : 'all 200',
        ]);
      }
    }
    parts.push(
      `### The guard under load (issue 19)\n\nOne server process per cell pinned to core 0 (a Hono app on \`node:http\`); autocannon (${w.load.connections} connections, ${w.load.duration} s after a first pass over every token; ${w.load.rounds ?? 1} rounds in alternating order, each cell its round of median req/s) and the emulator (\`serveEmulator\`, its own process: the revocation checks go over loopback) pinned to core 1. Tokens: RS256, issued by the emulator, cycled. \`protektAuth\` runs on the verify-only verifier (\`@protekt/node/verify\`) with its default verified-token cache (1,000): with 10,000 tokens every request verifies the signature, as hono/jwk does.\n\n` +
        table(
          [
            'tokens',
            'guard',
            'req/s',
            'p50',
            'p99',
            'req/s × hono/jwk',
            'p99 × hono/jwk',
            'answers',
          ],
          rows,
        ),
    );
  }
  if (w.hits) {
    const sizes = [...new Set(Object.values(w.hits).map((h) => h.size))];
    const cell = (id) => (w.hits[id] ? `${w.hits[id].ns.toFixed(0)} ns` : '—');
    const rows = [
      [
        'same token, same string, `revocationCheck: false`',
        ...sizes.map((s) => cell(`${s}:off:same`)),
      ],
      [
        'same token, same string, default policy (answer cached)',
        ...sizes.map((s) => cell(`${s}:default:same`)),
      ],
      [
        'a held token as a new string, `revocationCheck: false`',
        ...sizes.map((s) => cell(`${s}:off:new`)),
      ],
      [
        'a held token as a new string, default policy',
        ...sizes.map((s) => cell(`${s}:default:new`)),
      ],
    ];
    parts.push(
      '### Cache hits by cache size (issue 19)\n\nOne `verifyToken` of a token already verified (RS256, ~720 characters), the verified-token cache and the revocation answers holding that many tokens; median of the rounds. "New string": the token sliced from an `Authorization` header on each call, as a middleware does (the slice is part of the figure); with 10,000 tokens cycled that row also pays the memory of 10,000 distinct tokens (CPU cache misses). The default policy keeps its answers for the whole run (`maxAge` 3600 s): these are hits, not refreshes.\n\n' +
        table(['case', ...sizes.map((s) => `${fmt(s)} entries`)], rows),
    );
  }
  if (w.node) {
    const rows = Object.entries(w.node).map(([v, n]) => [
      `Node ${v}`,
      `${n.empty.median.toFixed(2)} ms`,
      `${n.package.median.toFixed(2)} ms <sub>${n.package.min.toFixed(1)}–${n.package.max.toFixed(1)}</sub>`,
      `+${n.overEmpty.toFixed(2)} ms`,
    ]);
    parts.push(
      "### Node load: `import('@protekt/node')` (issue 19)\n\nAs Node resolves it from inside the package (dist/index.js through `exports`, `#crypto` through `imports`), in fresh processes, interleaved with an empty module; medians.\n\n" +
        table(['runtime', 'empty module', '@protekt/node', 'over empty'], rows),
    );
  }
  return parts.join('\n\n');
}
