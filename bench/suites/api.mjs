/**
 * One API call through the client (`protekt.users.get(id)`) against the emulator served over
 * loopback by `serveEmulator` (src/cli/serve.ts) in a child process on 127.0.0.1, next to a raw
 * `fetch` of the same request (same URL and headers, JSON body parsed). Latency of each call,
 * in alternating blocks, sequential (one call in flight).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median } from '../lib/measure.mjs';

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function summary(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: median(s),
    p90: percentile(s, 0.9),
    p99: percentile(s, 0.99),
    mean: s.reduce((a, b) => a + b, 0) / s.length,
  };
}

export async function apiSuite({ mod, serveBundle, quick, log }) {
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('../lib/emulator-server.mjs', import.meta.url)), serveBundle],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  try {
    const info = await new Promise((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (d) => {
        buf += d;
        const nl = buf.indexOf('\n');
        if (nl !== -1) resolve(JSON.parse(buf.slice(0, nl)));
      });
      child.once('exit', (code) => reject(new Error(`emulator server exited (${code})`)));
    });
    const client = new mod.Protekt({
      loginId: info.loginId,
      apiKey: info.apiKey,
      baseUrl: info.baseUrl,
    });
    const url = `${info.baseUrl}/auth/users/${encodeURIComponent(info.userId)}`;
    const headers = {
      accept: 'application/json',
      'x-protekt-key': info.apiKey,
      'x-protekt-client': '@protekt/node',
    };
    const viaClient = async () => {
      const r = await client.users.get(info.userId);
      if (r.error) throw new Error(`users.get: ${r.error.code}`);
      return r.user;
    };
    const viaFetch = async () => {
      const res = await fetch(url, { headers });
      if (!res.ok) throw new Error(`fetch: ${res.status}`);
      return res.json();
    };
    // The same fetch with what any caller needing a timeout must add: an AbortController, a
    // timer and the signal (on Node 20, creating an AbortSignal and handing it to undici is a
    // visible part of the difference).
    const viaFetchWithTimeout = async () => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 5000);
      try {
        const res = await fetch(url, { headers, signal: controller.signal });
        if (!res.ok) throw new Error(`fetch: ${res.status}`);
        return await res.json();
      } finally {
        clearTimeout(timer);
      }
    };
    const total = quick ? 400 : 3000;
    const block = 25;
    const variants = [
      ['client', viaClient],
      ['fetch', viaFetch],
      ['fetchWithTimeout', viaFetchWithTimeout],
    ];
    for (let i = 0; i < 100; i++) for (const [, fn] of variants) await fn();
    const samples = { client: [], fetch: [], fetchWithTimeout: [] };
    for (let done = 0, round = 0; done < total; done += block, round++) {
      const offset = round % variants.length;
      for (const [name, fn] of [...variants.slice(offset), ...variants.slice(0, offset)]) {
        for (let i = 0; i < block; i++) {
          const t0 = performance.now();
          await fn();
          samples[name].push(performance.now() - t0);
        }
      }
    }
    const out = {
      request: 'GET /v1/auth/users/{id}',
      client: summary(samples.client),
      fetch: summary(samples.fetch),
      fetchWithTimeout: summary(samples.fetchWithTimeout),
    };
    out.ratio = out.client.p50 / out.fetch.p50;
    out.ratioToTimeout = out.client.p50 / out.fetchWithTimeout.p50;
    log(
      `api: p50 client ${out.client.p50.toFixed(3)} ms, fetch ${out.fetch.p50.toFixed(3)} ms (×${out.ratio.toFixed(3)})`,
    );
    return out;
  } finally {
    child.stdin.end();
    child.kill();
  }
}
