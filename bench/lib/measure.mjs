/**
 * Timing: mitata's `measure` for each case, in interleaved rounds (every case once per round,
 * the order rotated each round, so drift and noise from the shared machine spread over every
 * case), and the spread over rounds (min / median / max ops/s). With `pairWith`, each case's
 * ratio to another case (the floor) is taken per round, then summarised the same way.
 */
import { measure } from 'mitata';

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function spread(values) {
  const s = [...values].sort((a, b) => a - b);
  return { min: s[0], median: median(s), max: s[s.length - 1] };
}

/** Operations per second of one case, measured for about `ms` of CPU time. */
export async function opsPerSecond(fn, { ms, concurrency = 1 }) {
  const stats = await measure(fn, {
    concurrency,
    min_cpu_time: ms * 1e6,
    min_samples: 8,
    warmup_samples: 8,
    batch_samples: 64,
  });
  return (concurrency * 1e9) / stats.avg;
}

/**
 * Runs `cases` ({ id, fn, concurrency? }) for `rounds` rounds of about `ms` each. `fn` does one
 * operation (and picks its own input). Returns `Map<id, { ops: spread, ratio?: spread, rounds }>`.
 */
export async function runRounds(cases, { rounds, ms, pairWith, onRound }) {
  const perRound = [];
  for (let r = 0; r < rounds; r++) {
    const offset = r % cases.length;
    const order = [...cases.slice(offset), ...cases.slice(0, offset)];
    const got = new Map();
    for (const c of order)
      got.set(c.id, await opsPerSecond(c.fn, { ms, concurrency: c.concurrency ?? 1 }));
    perRound.push(got);
    onRound?.(r + 1);
  }
  const out = new Map();
  for (const c of cases) {
    const ops = perRound.map((g) => g.get(c.id));
    const entry = { ops: spread(ops), rounds, samples: ops };
    const pair = pairWith?.(c);
    if (pair && pair !== c.id && perRound[0].has(pair)) {
      entry.ratio = spread(perRound.map((g) => g.get(c.id) / g.get(pair)));
      entry.pair = pair;
    }
    out.set(c.id, entry);
  }
  return out;
}
