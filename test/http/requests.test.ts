/**
 * What the transport sends and how a call ends without an answer: the headers and URL of a
 * request, one idempotency key for every attempt, the per-call options checked before anything
 * is sent, the per-attempt timeout, the caller's abort, and network errors. Against the emulator
 * in-process; a dropped connection and a delay come from its fault injection.
 */
import { describe, expect, it } from 'vitest';
import { ProtektError } from '../../src/errors/protekt-error.js';
import { checkRequestOptions } from '../../src/http/transport.js';
import { BASE_URL, rejectionOf, transportRig } from './_transport.js';

const JWKS = '/.well-known/jwks.json';
const VERIFY = '/auth/token/verify';

describe('the request', () => {
  it('a POST carries the key, the client name, JSON, a bearer token and an idempotency key', async () => {
    const { emulator, send, sent } = transportRig();
    await send({
      method: 'POST',
      path: VERIFY,
      query: 'a=1&b=two',
      body: { token: 't' },
      accessToken: 'at_123',
    });
    const [request] = sent;
    expect(request!.url).toBe(`${BASE_URL}${VERIFY}?a=1&b=two`);
    expect(request!.method).toBe('POST');
    const headers = Object.fromEntries(request!.headers);
    expect(headers).toMatchObject({
      accept: 'application/json',
      'content-type': 'application/json',
      'x-protekt-key': emulator.project.apiKey,
      'x-protekt-client': '@protekt/node',
      authorization: 'Bearer at_123',
    });
    expect(headers['idempotency-key']).toMatch(/^idem_[0-9a-f-]{36}$/);
    expect(await request!.json()).toEqual({ token: 't' });
  });

  it('a GET has no body, no content type, no idempotency key and no query mark', async () => {
    const { send, sent } = transportRig();
    await send({ method: 'GET', path: JWKS });
    const [request] = sent;
    expect(request!.url).toBe(`${BASE_URL}${JWKS}`);
    expect(request!.headers.has('content-type')).toBe(false);
    expect(request!.headers.has('idempotency-key')).toBe(false);
    expect(request!.headers.has('authorization')).toBe(false);
    expect(await request!.text()).toBe('');
  });

  it('a DELETE or PATCH gets an idempotency key too; a given one is used as is', async () => {
    const { send, sent } = transportRig();
    await send({ method: 'DELETE', path: '/auth/users/usr_x' });
    await send({
      method: 'PATCH',
      path: '/auth/users/usr_x',
      body: {},
      options: { idempotencyKey: 'my-key-1' },
    });
    expect(sent[0]!.headers.get('idempotency-key')).toMatch(/^idem_/);
    expect(sent[1]!.headers.get('idempotency-key')).toBe('my-key-1');
  });

  it('every attempt of one call carries the same idempotency key; two calls differ', async () => {
    const { emulator, send, sent } = transportRig();
    emulator.faults.add({ path: VERIFY, status: 503, retryAfter: 0, times: 2 });
    await send({ method: 'POST', path: VERIFY, body: { token: 't' } });
    await send({ method: 'POST', path: VERIFY, body: { token: 't' } });
    const keys = sent.map((r) => r.headers.get('idempotency-key'));
    expect(keys).toHaveLength(4);
    expect(new Set(keys.slice(0, 3)).size).toBe(1);
    expect(keys[3]).not.toBe(keys[0]);
  });
});

describe('per-call options', () => {
  const refusals: [unknown, string, string][] = [
    [
      'fast',
      'options',
      "The per-call option options must be an object { signal, timeout, idempotencyKey } (a method's last argument) or left out.",
    ],
    [
      [1],
      'options',
      "The per-call option options must be an object { signal, timeout, idempotencyKey } (a method's last argument) or left out.",
    ],
    [{ signal: {} }, 'signal', 'The per-call option signal must be an AbortSignal.'],
    [
      { signal: { aborted: false } },
      'signal',
      'The per-call option signal must be an AbortSignal.',
    ],
    [
      { signal: { addEventListener() {}, aborted: 'no' } },
      'signal',
      'The per-call option signal must be an AbortSignal.',
    ],
    [{ signal: null }, 'signal', 'The per-call option signal must be an AbortSignal.'],
    [
      { timeout: 0 },
      'timeout',
      'The per-call option timeout must be 1 to 600000 ms (per attempt).',
    ],
    [
      { timeout: 600_001 },
      'timeout',
      'The per-call option timeout must be 1 to 600000 ms (per attempt).',
    ],
    [
      { timeout: Number.NaN },
      'timeout',
      'The per-call option timeout must be 1 to 600000 ms (per attempt).',
    ],
    [
      { timeout: '100' },
      'timeout',
      'The per-call option timeout must be 1 to 600000 ms (per attempt).',
    ],
    [
      { idempotencyKey: '' },
      'idempotencyKey',
      'The per-call option idempotencyKey must be 1 to 255 visible ASCII characters.',
    ],
    [
      { idempotencyKey: 'k'.repeat(256) },
      'idempotencyKey',
      'The per-call option idempotencyKey must be 1 to 255 visible ASCII characters.',
    ],
    [
      { idempotencyKey: 'with space' },
      'idempotencyKey',
      'The per-call option idempotencyKey must be 1 to 255 visible ASCII characters.',
    ],
    [
      { idempotencyKey: 42 },
      'idempotencyKey',
      'The per-call option idempotencyKey must be 1 to 255 visible ASCII characters.',
    ],
  ];

  it('a malformed option is thrown as invalid_argument naming it, and nothing is sent', async () => {
    const { send, sent } = transportRig();
    for (const [options, option, message] of refusals) {
      const error = await rejectionOf(
        send({ method: 'GET', path: JWKS, options: options as never }),
      );
      expect(error).toBeInstanceOf(ProtektError);
      expect(error).toMatchObject({ code: 'invalid_argument', details: { option } });
      expect(error.message).toBe(message);
    }
    expect(sent).toHaveLength(0);
  });

  it('an unknown option is refused by name', () => {
    expect(() => checkRequestOptions({ timeOut: 5 })).toThrow(
      expect.objectContaining({ code: 'invalid_argument', details: { option: 'timeOut' } }),
    );
  });

  it('the bounds themselves are accepted, and so are null and undefined', async () => {
    const { send, sent } = transportRig();
    const accepted = [
      undefined,
      null,
      {},
      { timeout: 1_000 },
      { timeout: 600_000 },
      { idempotencyKey: 'k'.repeat(255) },
      { idempotencyKey: '!~' },
      { signal: new AbortController().signal },
    ];
    for (const options of accepted) {
      const answer = await send({
        method: 'POST',
        path: VERIFY,
        body: { token: 't' },
        options: options as never,
      });
      expect(answer.status).toBe(401);
    }
    expect(sent).toHaveLength(accepted.length);
    expect(checkRequestOptions({ timeout: 1 })).toEqual({ timeout: 1 });
  });
});

describe('calls that end without an answer', () => {
  it('the per-call timeout overrides the client one; a hang is retried, then thrown as timeout', async () => {
    const { emulator, send, sent } = transportRig({ timeout: 10_000, maxRetries: 1 });
    emulator.faults.add({ path: JWKS, delayMs: 5_000, times: Infinity });
    const error = await rejectionOf(send({ method: 'GET', path: JWKS, options: { timeout: 50 } }));
    expect(error).toBeInstanceOf(ProtektError);
    expect(error).toMatchObject({ code: 'timeout', details: { timeout: 50, attempts: 2 } });
    expect(error.message).toBe(
      `Protekt did not answer GET ${JWKS} within the 50 ms timeout: check the network, or raise the timeout option.`,
    );
    expect(sent).toHaveLength(2);
  });

  it('a dropped connection is retried while attempts remain, then thrown as network_error', async () => {
    const { emulator, send, sent, lines } = transportRig({ maxRetries: 1 });
    emulator.faults.add({ path: VERIFY, drop: true, times: Infinity });
    const error = await rejectionOf(send({ method: 'POST', path: VERIFY, body: { token: 't' } }));
    expect(error).toMatchObject({ code: 'network_error', details: { attempts: 2 } });
    expect(error.message).toBe(
      `Could not reach Protekt at https://auth.protekt.io for POST ${VERIFY} (see the cause): check the network and the baseUrl option.`,
    );
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.cause.name).toBe('TypeError');
    expect(sent).toHaveLength(2);
    expect(lines[1]).toMatch(/ -> network_error \(\d+ ms\) \[attempt 2\]$/);
  });

  it('a dropped connection, then an answer: the answer is returned', async () => {
    const { emulator, send, sent } = transportRig();
    emulator.faults.add({ path: JWKS, drop: true });
    expect((await send({ method: 'GET', path: JWKS })).status).toBe(200);
    expect(sent).toHaveLength(2);
  });

  it('a signal aborted before the call: aborted, nothing sent', async () => {
    const { send, sent } = transportRig();
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    const error = await rejectionOf(
      send({ method: 'GET', path: JWKS, options: { signal: controller.signal } }),
    );
    expect(error).toMatchObject({
      code: 'aborted',
      message: 'The call was aborted by the caller.',
    });
    expect(error.cause).toBe(controller.signal.reason);
    expect(sent).toHaveLength(0);
  });

  it('an abort during an attempt ends the call at once, with no retry', async () => {
    const { emulator, send, sent } = transportRig({ maxRetries: 2 });
    emulator.faults.add({ path: JWKS, delayMs: 5_000, times: Infinity });
    const controller = new AbortController();
    const call = send({ method: 'GET', path: JWKS, options: { signal: controller.signal } });
    setTimeout(() => controller.abort(), 20);
    const error = await rejectionOf(call);
    expect(error).toMatchObject({ code: 'aborted', details: { attempts: 1 } });
    expect(sent).toHaveLength(1);
  });

  it('an abort during the wait before a retry ends the call', async () => {
    const { emulator, send, sent } = transportRig({ maxRetries: 2 });
    emulator.faults.add({ path: JWKS, status: 503, retryAfter: 30, times: Infinity });
    const controller = new AbortController();
    const call = send({ method: 'GET', path: JWKS, options: { signal: controller.signal } });
    setTimeout(() => controller.abort(), 50);
    const error = await rejectionOf(call);
    expect(error).toMatchObject({ code: 'aborted' });
    expect(sent).toHaveLength(1);
  });

  it('an answer over 1 MiB is refused with its status, without retrying', async () => {
    const { emulator, send, sent } = transportRig();
    const body = `{"a":"${'x'.repeat(1 << 20)}"}`;
    emulator.faults.add({ path: JWKS, status: 200, body, times: Infinity });
    const error = await rejectionOf(send({ method: 'GET', path: JWKS }));
    expect(error).toMatchObject({ code: 'invalid_response', status: 200 });
    expect(error.message).toBe(
      `Protekt's answer to GET ${JWKS} is larger than 1048576 bytes: check that the baseUrl option points at the Protekt API.`,
    );
    expect(sent).toHaveLength(1);
  });

  it('an answer that cannot be read is final: not retried', async () => {
    const { emulator, send, sent } = transportRig({ maxRetries: 2 });
    emulator.faults.add({ path: JWKS, status: 200, body: '[]', times: Infinity });
    const error = await rejectionOf(send({ method: 'GET', path: JWKS }));
    expect(error).toMatchObject({ code: 'invalid_response' });
    expect(sent).toHaveLength(1);
  });
});
