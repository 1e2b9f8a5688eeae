/**
 * Tables (markdown, also printed to the console), the target checks, and the results section of
 * docs/benchmarks.md.
 */
import { BUDGETS } from './size.mjs';
import { warmMarkdown, warmTargets } from './report-warm.mjs';

const int = (n) => Math.round(n).toLocaleString('en-US');
const short = (n) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : int(n);
const x2 = (n) => n.toFixed(2);
const range = (s, f) => `${f(s.min)}–${f(s.max)}`;

function table(head, rows) {
  const out = [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
  ];
  for (const r of rows) out.push(`| ${r.join(' | ')} |`);
  return out.join('\n');
}

function opsCell(r) {
  if (!r) return '—';
  return `${int(r.ops.median)} <sub>${range(r.ops, short)}</sub>`;
}
function ratioCell(r) {
  if (!r?.ratio) return r ? '1' : '—';
  return `**${x2(r.ratio.median)}** <sub>${range(r.ratio, x2)}</sub>`;
}

/** One row per verifier, a column pair (ops/s, × floor) per algorithm. */
export function verifierTable(results, algs) {
  const names = [...new Set(results.map((r) => r.name))];
  const head = ['verifier', ...algs.flatMap((a) => [`${a} ops/s`, `${a} × floor`])];
  const rows = names.map((name) => [
    name === 'protekt' || name.startsWith('protekt') ? `**${name}**` : name,
    ...algs.flatMap((a) => {
      const r = results.find((x) => x.name === name && x.alg === a);
      return [opsCell(r), ratioCell(r)];
    }),
  ]);
  return table(head, rows);
}

/** One row per verifier, a column pair per group (concurrency, key count, token size). */
export function groupTable(results) {
  const groups = [...new Set(results.map((r) => r.group))];
  const names = [...new Set(results.map((r) => r.name))];
  const head = ['verifier', ...groups.flatMap((g) => [`${g}: ops/s`, '× floor'])];
  const rows = names.map((name) => [
    name === 'protekt' ? `**${name}**` : name,
    ...groups.flatMap((g) => {
      const r = results.find((x) => x.name === name && x.group === g);
      return [opsCell(r), r && r.name !== 'floor' ? ratioCell(r) : r ? '1' : '—'];
    }),
  ]);
  return table(head, rows);
}

const find = (list, alg, name) => list?.find((r) => r.alg === alg && r.name === name);

/** Each target of issue 7: met or not, with the measured figure. */
export function checkTargets(res) {
  const t = [];
  const v = res.verify;
  if (v) {
    for (const alg of ['RS256', 'ES256', 'EdDSA']) {
      const ours = find(v.first, alg, 'protekt');
      const jose = find(v.first, alg, 'jose jwtVerify (CryptoKey)');
      t.push({
        target: `first-seen ${alg}: ≥ 0.95 × floor`,
        met: ours.ratio.median >= 0.95,
        figure: `${ours.ratio.median.toFixed(3)} × (rounds ${range(ours.ratio, x2)})`,
      });
      t.push({
        target: `first-seen ${alg}: faster than jose jwtVerify`,
        met: ours.ratio.median > jose.ratio.median,
        figure: `${x2(ours.ratio.median)} vs ${x2(jose.ratio.median)} × floor`,
      });
      for (const peer of ['@clerk/backend verifyToken', '@supabase/auth-js getClaims']) {
        const p = find(v.first, alg, peer);
        if (!p) continue;
        const k = ours.ratio.median / p.ratio.median;
        t.push({
          target: `first-seen ${alg}: ≥ 2 × ${peer.split(' ')[0]}`,
          met: k >= 2,
          figure: `${x2(k)} ×`,
        });
      }
      for (const r of v.repeat.filter((r) => r.alg === alg && r.name !== 'floor')) {
        t.push({
          target: `${alg} ${r.name.replace('protekt, ', '')}: ≥ 20 × floor`,
          met: r.ratio.median >= 20,
          figure: `${int(r.ratio.median)} ×`,
        });
      }
    }
  }
  if (res.size) {
    const s = res.size.budgets;
    t.push({
      target: `client bundle ≤ ${BUDGETS.client / 1000} kB gzip`,
      met: s.client.gzip <= BUDGETS.client,
      figure: `${(s.client.gzip / 1000).toFixed(2)} kB`,
    });
    t.push({
      target: `Hono middleware ≤ ${BUDGETS.middleware / 1000} kB gzip beyond the client`,
      met: s.middlewareBeyondClient <= BUDGETS.middleware,
      figure: `+${(s.middlewareBeyondClient / 1000).toFixed(2)} kB beside the client (${(s.middleware.gzip / 1000).toFixed(2)} kB alone, hono external); +${(s.middlewareDelta / 1000).toFixed(2)} kB on a minimal Hono app`,
    });
    for (const [name, a] of Object.entries(s.adapters ?? {})) {
      t.push({
        target: `./${name} adapter ≤ ${BUDGETS.adapter / 1000} kB gzip beyond the client`,
        met: a.beyondClient <= BUDGETS.adapter,
        figure: `+${(a.beyondClient / 1000).toFixed(2)} kB (${(a.alone / 1000).toFixed(2)} kB alone, framework external)`,
      });
    }
  }
  if (res.cold) {
    const c = res.cold;
    const touched = [
      ...new Set([...(c['client bundle']?.touched ?? []), ...(c['dist/index.js']?.touched ?? [])]),
    ];
    t.push({
      target: 'import touches no fetch / Headers / crypto',
      met: touched.length === 0,
      figure: touched.length ? touched.join(', ') : 'none touched',
    });
    if (c['client bundle'])
      t.push({
        target: 'cold import() within 5 ms of an empty module',
        met: c['client bundle'].overEmpty <= 5,
        figure: `+${x2(c['client bundle'].overEmpty)} ms (median)`,
      });
  }
  if (res.api)
    t.push({
      target: `API call p50 within 5 % of raw fetch (Node ${res.env.node})`,
      met: res.api.ratio <= 1.05,
      figure: `${x2(res.api.ratio)} × (${res.api.client.p50.toFixed(3)} vs ${res.api.fetch.p50.toFixed(3)} ms); ${x2(res.api.ratioToTimeout)} × a fetch with a timeout`,
    });
  if (res.apiOtherNode) {
    const o = res.apiOtherNode;
    t.push({
      target: `API call p50 within 5 % of raw fetch (Node ${o.node}, for comparison)`,
      met: o.ratio <= 1.05,
      figure: `${x2(o.ratio)} × (${o.client.p50.toFixed(3)} vs ${o.fetch.p50.toFixed(3)} ms)`,
    });
  }
  t.push(...warmTargets(res));
  return t;
}

export function markdown(res) {
  const parts = [];
  const env = res.env;
  parts.push(
    `Run ${env.date} — Node ${env.node}, ${env.cpu}, ${env.pinned ? 'pinned to one core (`taskset -c 0`)' : 'NOT pinned'}, ` +
      `${env.rounds} interleaved rounds of ~${env.ms} ms per case${env.quick ? ' (quick run)' : ''}; load average ${env.loadBefore} before, ${env.loadAfter} after ` +
      `(the machine is shared: the spread below is real). Cells: median ops/s <sub>min–max of rounds</sub>; × floor is the per-round ratio to the floor (median, <sub>min–max</sub>).` +
      (env.partial ? ` Since then: ${env.partial}.` : ''),
  );
  const targets = checkTargets(res);
  parts.push(
    '### Targets\n\n' +
      table(
        ['target', 'met', 'measured'],
        targets.map((x) => [x.target, x.met ? '✅' : '❌', x.figure]),
      ),
  );
  if (res.verify) {
    const algs = ['RS256', 'ES256', 'EdDSA'];
    parts.push(
      `### verifyToken, tokens not seen before (warm keys)\n\nPool of ${res.verify.setup.poolSize} distinct tokens per algorithm, cycled (larger than the verified-token cache, so every call is a miss), ~${res.verify.setup.tokenLength.RS256} characters (RS256) with 9 claims. Ours runs with \`revocationCheck: false\`, like every peer here (none of them asks a server about revocation).\n\n` +
        verifierTable(res.verify.first, algs) +
        '\n\n![throughput per verifier](benchmarks/throughput.svg)',
    );
    parts.push(
      `### The same token again (the user's next request)\n\n` +
        verifierTable(res.verify.repeat, algs) +
        `\n\nThe revocation variant uses the default policy (\`maxAge\` 30 s) with the answer cached; ${res.verify.setup.revocationCalls.calls} remote checks were made during the whole run.`,
    );
  }
  if (res.warm) parts.push(warmMarkdown(res));
  if (res.scale) {
    parts.push(
      '### Throughput vs concurrency (RS256, first-seen tokens)\n\n' +
        groupTable(res.scale.concurrency),
    );
    parts.push(
      '### Throughput vs keys in the JWKS (ES256; the token is signed by the last key)\n\n' +
        groupTable(res.scale.keys),
    );
    parts.push('### Throughput vs token size (RS256)\n\n' + groupTable(res.scale.size));
  }
  if (res.memory && !res.memory.skipped) {
    const m = res.memory;
    const mb = (b) => `${(b / 1e6).toFixed(2)} MB`;
    const rows = [
      [
        'verified-token cache (default bound)',
        `${int(m.verifiedCache.entries)} tokens`,
        mb(m.verifiedCache.bytes),
        `${int(m.verifiedCache.perEntry)} B`,
        `${mb(m.verifiedCache.afterTwiceTheBound)} after 2× the bound`,
      ],
      [
        'revocation answers',
        `${int(m.revocationCache.entries)}${m.revocationCache.atBound ? ' (bound)' : ' (quick run: below the 10,000 bound)'}`,
        mb(m.revocationCache.bytes),
        `${int(m.revocationCache.perEntry)} B`,
        m.revocationCache.afterBoundPlus2000 != null
          ? `${mb(m.revocationCache.afterBoundPlus2000)} after 2,000 more`
          : '—',
      ],
      [
        'JWKS, every key imported',
        `${m.jwks.keys} ${m.jwks.alg} keys`,
        `${(m.jwks.bytes / 1e3).toFixed(0)} kB`,
        `${int(m.jwks.bytes / m.jwks.keys)} B`,
        `fixed by the key set; ${(m.jwks.external / 1e3).toFixed(0)} kB outside the V8 heap (CryptoKeys are native)`,
      ],
    ];
    parts.push(
      '### Memory of the caches at their bounds (V8 heap after GC, including the token strings they keep)\n\n' +
        table(['cache', 'entries', 'heap', 'per entry', 'bounded?'], rows),
    );
  }
  if (res.api) {
    const ms = (n) => `${n.toFixed(3)} ms`;
    const row = (name, v) => [name, ms(v.p50), ms(v.p90), ms(v.p99), ms(v.mean)];
    // One table per Node version: the client, a raw fetch, and a raw fetch with a timeout.
    const apiTable = (r, timeoutLabel) =>
      table(
        ['caller', 'p50', 'p90', 'p99', 'mean'],
        [
          row('`protekt.users.get(id)`', r.client),
          row('raw `fetch` + `res.json()`', r.fetch),
          row(timeoutLabel, r.fetchWithTimeout),
        ],
      ) +
      `\n\np50 ratio to raw fetch: **${x2(r.ratio)}**; to fetch with a timeout: ${x2(r.ratioToTimeout)}.`;
    const a = res.api;
    parts.push(
      `### One API call over loopback (${a.request}, emulator on 127.0.0.1, ${a.client.n} calls each, alternating blocks)\n\n` +
        apiTable(a, 'raw `fetch` with a timeout (AbortController + timer + signal)'),
    );
    const o = res.apiOtherNode;
    if (o)
      parts.push(
        `Same comparison on Node ${o.node} (the binary provisioned for the runtime matrix), ${o.client.n} calls each:\n\n` +
          apiTable(o, 'raw `fetch` with a timeout'),
      );
  }
  if (res.cold) {
    const rows = Object.entries(res.cold).map(([name, v]) => [
      name,
      `${x2(v.ms.median)} ms`,
      `${x2(v.ms.min)}–${x2(v.ms.max)}`,
      name === 'empty' ? '—' : `+${x2(v.overEmpty)} ms`,
      v.touched.length ? v.touched.join(', ') : 'none',
    ]);
    parts.push(
      `### Cold start (\`import()\` in a fresh Node ${env.node} process, ${res.coldSamples} processes per module)\n\n` +
        table(['module', 'median', 'min–max', 'over empty', 'globals touched at load'], rows),
    );
  }
  if (res.size) {
    const s = res.size;
    const kb = (n) => `${(n / 1000).toFixed(2)} kB`;
    const rows = [
      [
        '**@protekt/node client** (`Protekt`, every resource, `verifyToken`)',
        `${int(s.budgets.client.raw)} B`,
        `**${kb(s.budgets.client.gzip)}**`,
        `${BUDGETS.client / 1000} kB`,
      ],
      [
        '**@protekt/node/hono** middleware (hono external; budget: beside the client)',
        `${int(s.budgets.middleware.raw)} B`,
        `**${kb(s.budgets.middleware.gzip)}** (+${kb(s.budgets.middlewareBeyondClient)} beside the client)`,
        `${BUDGETS.middleware / 1000} kB beyond the client`,
      ],
      [
        'minimal Hono app → with the middleware',
        `${int(s.budgets.honoApp.raw)} → ${int(s.budgets.honoAppWithMiddleware.raw)} B`,
        `${kb(s.budgets.honoApp.gzip)} → ${kb(s.budgets.honoAppWithMiddleware.gzip)} (+${s.budgets.middlewareDelta} B)`,
        '—',
      ],
      ...Object.entries(s.peers).map(([name, v]) => [name, `${int(v.raw)} B`, kb(v.gzip), '—']),
    ];
    parts.push(
      '### Bundle size (esbuild, minified ESM, conditions worker + browser, gzip -9)\n\n' +
        table(['bundle', 'minified', 'gzip', 'budget'], rows),
    );
  }
  return parts.join('\n\n');
}

export function printTargets(res, log) {
  for (const x of checkTargets(res)) log(`${x.met ? 'ok  ' : 'MISS'} ${x.target}: ${x.figure}`);
}
