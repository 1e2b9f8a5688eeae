/**
 * Child process of the guard-under-load benchmark of issue 19 (bench/suites/warm.mjs): autocannon against `http://127.0.0.1:<argv[2]>/api/me`,
 * each request carrying the next of the first argv[4] tokens of the file argv[3] (cycled). First a
 * pass over every token (not measured: the guard's first sight of each), then argv[5] seconds
 * measured with argv[6] connections. Prints `{ rps, p50, p99, non2xx, errors, warm }` as JSON.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const [port, tokensFile, count, duration, connections] = process.argv.slice(2);
const tokens = readFileSync(tokensFile, 'utf8').split('\n').slice(0, Number(count));
let next = 0;
const statuses = {};
const run = (extra) =>
  autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: Number(connections),
    timeout: 10,
    requests: [
      {
        method: 'GET',
        path: '/api/me',
        onResponse: (status) => {
          statuses[status] = (statuses[status] ?? 0) + 1;
        },
        setupRequest: (req) => ({
          ...req,
          headers: { ...req.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` },
        }),
      },
    ],
    ...extra,
  });
const warm = await run({ amount: tokens.length });
const r = await run({ duration: Number(duration) });
process.stdout.write(
  JSON.stringify({
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    requests: r.requests.total,
    statuses,
    warm: { rps: warm.requests.average, p99: warm.latency.p99, non2xx: warm.non2xx },
  }),
);
