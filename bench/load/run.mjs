#!/usr/bin/env node
// The load generator: a second process that drives a guarded HTTP app with autocannon and prints
// one JSON line with the figures, counting statuses per kind of request so the caller can check
// that non-2xx answers came only where expected.
//
//   LOAD_TOKENS=t1,t2 node bench/load/run.mjs --url http://127.0.0.1:3000 --path /api/me \
//     [--public /api/health] [--duration 5] [--connections 16]
//
// Request kinds, in turn on each connection: a valid bearer token (expect 200), no token (401),
// a forged token (401), the public route (200).
import autocannon from 'autocannon';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    path: { type: 'string', default: '/api/me' },
    public: { type: 'string', default: '/api/health' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
  },
});
if (!values.url) {
  console.error(
    'usage: LOAD_TOKENS=a,b node bench/load/run.mjs --url http://127.0.0.1:PORT [--path /api/me]',
  );
  process.exit(2);
}
const tokens = (process.env.LOAD_TOKENS ?? '').split(',').filter(Boolean);
if (tokens.length === 0) {
  console.error('LOAD_TOKENS must hold at least one valid access token');
  process.exit(2);
}

// A forged token: a real header and payload, another signature.
const [h, p] = tokens[0].split('.');
const forged = `${h}.${p}.${Buffer.from('forged signature bytes, not the key holder').toString('base64url')}`;

const counts = { valid: {}, missing: {}, forged: {}, public: {} };
const count = (kind) => (status) => {
  counts[kind][status] = (counts[kind][status] ?? 0) + 1;
};
let next = 0;

const result = await autocannon({
  url: values.url,
  connections: Number(values.connections),
  duration: Number(values.duration),
  timeout: 10,
  requests: [
    {
      method: 'GET',
      path: values.path,
      setupRequest: (req) => ({
        ...req,
        headers: { ...req.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` },
      }),
      onResponse: count('valid'),
    },
    { method: 'GET', path: values.path, onResponse: count('missing') },
    {
      method: 'GET',
      path: values.path,
      headers: { authorization: `Bearer ${forged}` },
      onResponse: count('forged'),
    },
    { method: 'GET', path: values.public, onResponse: count('public') },
  ],
});

console.log(
  JSON.stringify({
    requests: result.requests.total,
    requestsPerSecond: result.requests.average,
    latency: {
      p50: result.latency.p50,
      p97_5: result.latency.p97_5,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    duration: result.duration,
    connections: result.connections,
    counts,
  }),
);
