/**
 * Random and malformed requests: the emulator never answers 5xx, never throws, always answers
 * errors in the envelope, and never lets a key of the input reach Object.prototype.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_SHAPE, ROUTES, checkShape } from '../../src/contract/index.js';
import type { Emulator } from '../../src/testing/index.js';
import { PASSWORD, fastEmulator, signUp } from './_helpers.js';

const POLLUTERS = [
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"metadata":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"}}}',
  '{"email":"a@example.com","password":"long enough 1","metadata":{"__proto__":{"isAdmin":true}}}',
  '{"metadata":{"toString":"x","valueOf":1,"hasOwnProperty":null}}',
];

let emu: Emulator;
let bearer: string;
let refresh: string;
const protoKeysBefore = Object.getOwnPropertyNames(Object.prototype).sort();

beforeAll(async () => {
  emu = fastEmulator({ project: { ssoConnections: [{ name: 'acme', domains: ['acme.com'] }] } });
  const su = await signUp(emu, 'fuzz@example.com');
  bearer = su.access;
  refresh = su.refresh;
});

afterAll(() => {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeysBefore);
});

const fieldValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    'fuzz@example.com',
    'new.user@example.com',
    PASSWORD,
    'totp',
    'sms',
    'email',
    '+14155550123',
    'https://app.example.com/cb',
    '',
    'javascript:alert(1)',
    'ml_x',
    'rt_x',
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'a', 'role', 'sub', 'exp'),
    fc.jsonValue({ maxDepth: 2 }),
    { maxKeys: 4 },
  ),
);

const routeAwareBody = fc
  .constantFrom(...ROUTES.filter((r) => r.body))
  .chain((r) =>
    fc.dictionary(
      fc.constantFrom(...Object.keys(r.body!.schema), 'extra', '__proto__'),
      fieldValue,
      { maxKeys: 6 },
    ),
  )
  .map((o) => JSON.stringify(o));

const body = fc.oneof(
  { weight: 4, arbitrary: routeAwareBody },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.constantFrom(...POLLUTERS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '{',
      '{"a":',
      'null',
      '[]',
      '"str"',
      '1e999',
      '{"a":1}{"b":2}',
      '\uFEFF{}',
      '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
    ),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 60_000, max: 80_000 }).map((n) => `{"email":"${'a'.repeat(n)}"}`),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const segment = fc.oneof(
  fc.constantFrom('usr_x', 'sess_x', '..', '%2e%2e', '%00', 'ünï', '', 'a'.repeat(300)),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
);
const path = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.constantFrom(...ROUTES.map((r) => r.path)), segment)
      .map(([p, s]) => `/v1${p.replace('{id}', s)}`),
  },
  { weight: 1, arbitrary: fc.array(segment, { maxLength: 4 }).map((s) => `/v1/${s.join('/')}`) },
  { weight: 1, arbitrary: fc.array(segment, { maxLength: 3 }).map((s) => `/${s.join('/')}`) },
);
const query = fc.oneof(
  fc.constant(''),
  fc
    .dictionary(
      fc.constantFrom(
        'limit',
        'cursor',
        'search',
        'login_id',
        'provider',
        'connection',
        'email',
        'redirect_url',
        'state',
        'code',
        'request',
      ),
      fc.oneof(
        fc.string({ maxLength: 20 }),
        fc.constantFrom(
          '1',
          '0',
          '-1',
          '100',
          '1e3',
          'google',
          'acme',
          'fuzz@example.com',
          'x@acme.com',
        ),
      ),
    )
    .map((d) => `?${new URLSearchParams(d).toString().replace('login_id=LOGIN', '')}`),
);
const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD');
const headerSet = fc.record({
  key: fc.constantFrom('valid', 'wrong', 'none', 'empty'),
  auth: fc.constantFrom('valid', 'garbage', 'none', 'basic', 'refresh'),
  type: fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/merge-patch+json',
    'none',
  ),
  idem: fc.option(
    fc.string({ minLength: 1, maxLength: 300 }).filter((s) => /^[\x21-\x7e]+$/.test(s)),
    { nil: undefined },
  ),
  loginIdInQuery: fc.boolean(),
});

describe('fuzz', () => {
  it('never answers 5xx, never throws, always uses the envelope, never pollutes prototypes', async () => {
    await fc.assert(
      fc.asyncProperty(method, path, query, headerSet, body, async (m, p, q, h, b) => {
        const headers = new Headers();
        if (h.key === 'valid') headers.set('x-protekt-key', emu.project.apiKey);
        if (h.key === 'wrong') headers.set('x-protekt-key', 'pk_test_wrong');
        if (h.key === 'empty') headers.set('x-protekt-key', '');
        if (h.auth === 'valid') headers.set('authorization', `Bearer ${bearer}`);
        if (h.auth === 'garbage') headers.set('authorization', 'Bearer a.b.c');
        if (h.auth === 'basic') headers.set('authorization', 'Basic Zm9vOmJhcg==');
        if (h.auth === 'refresh') headers.set('authorization', `Bearer ${refresh}`);
        if (h.type !== 'none') headers.set('content-type', h.type);
        if (h.idem !== undefined) headers.set('idempotency-key', h.idem);
        const sep = q === '' ? '?' : '&';
        const url = `https://auth.protekt.io${p}${q}${h.loginIdInQuery ? `${sep}login_id=${emu.project.loginId}` : ''}`;
        const init: RequestInit = { method: m, headers, redirect: 'manual' };
        if (b !== undefined && m !== 'GET' && m !== 'HEAD') init.body = b as BodyInit;
        const res = await emu.fetch(url, init);
        expect(res.status, `${m} ${url}`).toBeLessThan(500);
        const text = await res.text();
        if (res.status >= 400 && m !== 'HEAD') {
          const ct = res.headers.get('content-type') ?? '';
          if (ct.startsWith('application/json'))
            expect(checkShape(ERROR_SHAPE, JSON.parse(text))).toEqual([]);
          else expect(ct).toMatch(/^text\/html/); // the browser forms re-render with the error
        }
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
        expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
      }),
      { numRuns: 600 },
    );
  });

  it('stores polluting metadata keys nowhere', async () => {
    for (const raw of POLLUTERS) {
      const users = emu.store.users();
      const id = users[0]!['id'] as string;
      const r = await emu.fetch(`https://auth.protekt.io/v1/auth/users/${id}`, {
        method: 'PATCH',
        headers: { 'x-protekt-key': emu.project.apiKey, 'content-type': 'application/json' },
        body: raw,
      });
      expect(r.status).toBeLessThan(500);
      const user = emu.store.user(id)!;
      const meta = user['metadata'] as Record<string, unknown>;
      for (const k of ['__proto__', 'constructor', 'prototype'])
        expect(Object.hasOwn(meta, k)).toBe(false);
      expect(Object.getPrototypeOf(meta)).toBe(Object.prototype);
      expect((meta as Record<string, unknown>)['polluted']).toBeUndefined();
    }
  });
});
