/**
 * The fuzz of the Auth API (test/emulator/fuzz.test.ts), on the Account API: random and malformed
 * requests never get a 5xx, always get the error envelope, and never reach Object.prototype; the
 * emulator keeps working after them.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_ROUTES } from '../../src/contract/account-routes.js';
import { ERROR_SHAPE, checkShape } from '../../src/contract/index.js';
import { Protekt } from '../../src/index.js';
import { type AccountHarness, accountHarness } from './_support.js';

let h: AccountHarness;
const protoKeysBefore = Object.getOwnPropertyNames(Object.prototype).sort();

beforeAll(async () => {
  h = await accountHarness();
});

afterAll(() => {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeysBefore);
});

const value = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    'owner@example.com',
    'new@example.org',
    'admin',
    'developer',
    'owner',
    'auth:read',
    'users:write',
    'https://app.example.org',
    'https://*.example.org',
    'https://app.example.org/cb',
    'javascript:alert(1)',
    '2999-01-01T00:00:00Z',
    '2020-01-01',
    '2026-02-30',
    '',
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(
    fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('auth:read', 'https://a.example')),
    { maxLength: 4 },
  ),
  fc.dictionary(
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'a'),
    fc.jsonValue({ maxDepth: 2 }),
    { maxKeys: 3 },
  ),
);

const body = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .constantFrom(...ACCOUNT_ROUTES.filter((r) => r.body))
      .chain((r) =>
        fc.dictionary(
          fc.constantFrom(...Object.keys(r.body!.schema), '__proto__', 'extra'),
          value,
          { maxKeys: 7 },
        ),
      )
      .map((o) => JSON.stringify(o)),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '{',
      'null',
      '[]',
      '{"__proto__":{"polluted":"yes"}}',
      '\uFEFF{}',
    ),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const segment = fc.oneof(
  fc.constantFrom(
    'proj_x',
    'key_x',
    'mem_x',
    '..',
    '%2e%2e',
    '%00',
    'ünï',
    'a'.repeat(300),
    '__proto__',
  ),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
);
const path = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.constantFrom(...ACCOUNT_ROUTES.map((r) => r.path)), segment)
      .map(([p, s]) => `/account/v1${p.replace('{id}', s)}`),
  },
  {
    weight: 1,
    arbitrary: fc.array(segment, { maxLength: 3 }).map((s) => `/account/v1/${s.join('/')}`),
  },
);
const query = fc
  .dictionary(
    fc.constantFrom('limit', 'cursor', 'project_id', 'from', 'to'),
    fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('1', '0', '101', '2026-01-01', '2026-13-01', 'proj_x'),
    ),
    { maxKeys: 3 },
  )
  .map((d) => new URLSearchParams(d).toString());
const headerSet = fc.record({
  auth: fc.constantFrom('owner', 'garbage', 'none', 'basic', 'api key'),
  type: fc.constantFrom(
    'application/json',
    'text/plain',
    'application/x-www-form-urlencoded',
    'none',
  ),
  idem: fc.option(
    fc.string({ minLength: 1, maxLength: 300 }).filter((s) => /^[\x21-\x7e]+$/.test(s)),
    { nil: undefined },
  ),
});

describe('fuzz of the Account API', () => {
  it('never answers 5xx, always in the envelope, never pollutes prototypes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'HEAD'),
        path,
        query,
        headerSet,
        body,
        async (method, p, q, head, b) => {
          const headers = new Headers();
          if (head.auth === 'owner') headers.set('authorization', `Bearer ${h.token}`);
          if (head.auth === 'garbage') headers.set('authorization', 'Bearer mgmt_garbage');
          if (head.auth === 'basic') headers.set('authorization', 'Basic Zm9vOmJhcg==');
          if (head.auth === 'api key') headers.set('x-protekt-key', h.emulator.project.apiKey);
          if (head.type !== 'none') headers.set('content-type', head.type);
          if (head.idem !== undefined) headers.set('idempotency-key', head.idem);
          const init: RequestInit = { method, headers };
          if (b !== undefined && method !== 'GET' && method !== 'HEAD') init.body = b;
          const url = `https://auth.protekt.io${p}${q ? `?${q}` : ''}`;
          const answer = await h.emulator.fetch(url, init);
          expect(`${method} ${url} ${answer.status < 500}`).toBe(`${method} ${url} true`);
          const text = await answer.text();
          if (answer.status >= 400 && method !== 'HEAD')
            expect(checkShape(ERROR_SHAPE, JSON.parse(text))).toEqual([]);
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the emulator still issues management tokens and answers after the fuzz', async () => {
    const { managementToken, error } = await Protekt.getManagementToken(h.emulator.account, {
      accountBaseUrl: h.emulator.account.baseUrl,
      fetch: h.emulator.fetch,
    });
    expect(error).toBeNull();
    const client = h.client({ managementToken: managementToken! });
    expect((await client.members.list()).error).toBeNull();
  });
});
