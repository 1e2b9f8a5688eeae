/**
 * What a `network_error` keeps of the failure behind it: the error's name and code when they
 * look like names (a `fetch` option may throw anything, and its message may echo the request's
 * headers), never its message, never the API key. The failures come from a `fetch` option that
 * fails the way runtimes' fetch implementations do.
 */
import { describe, expect, it } from 'vitest';
import { rejectionOf, transportRig } from './_transport.js';

const JWKS = '/.well-known/jwks.json';

/** The `cause` of the network_error a transport throws when its fetch throws `thrown`. */
async function causeOf(thrown: unknown, apiKey = 'pk_test_secret_key'): Promise<Error> {
  const { send } = transportRig({
    apiKey,
    maxRetries: 0,
    fetch: () => Promise.reject(thrown),
  });
  const error = await rejectionOf(send({ method: 'GET', path: JWKS }));
  expect(error).toMatchObject({ code: 'network_error', details: { attempts: 1 } });
  return error.cause;
}

describe('the cause of a network_error', () => {
  it("keeps the name, and a code from the error or from its own cause (Node's fetch)", async () => {
    const own = await causeOf(Object.assign(new TypeError('fetch failed'), { code: 'ECONNRESET' }));
    expect(own).toMatchObject({
      name: 'TypeError',
      code: 'ECONNRESET',
      message: 'TypeError ECONNRESET',
    });
    const nested = await causeOf(
      new TypeError('fetch failed', {
        cause: { code: 'UND_ERR_SOCKET', message: 'other side closed' },
      }),
    );
    expect(nested).toMatchObject({ name: 'TypeError', code: 'UND_ERR_SOCKET' });
    const plain = await causeOf(new TypeError('Failed to fetch'));
    expect(plain.message).toBe('TypeError');
    expect(plain).not.toHaveProperty('code');
  });

  it('drops a name or code that is not a plain name, or that holds the API key', async () => {
    const long = await causeOf(
      Object.assign(new Error('x'), { name: 'N'.repeat(65), code: 'a b' }),
    );
    expect(long.message).toBe('Error');
    expect(long.name).toBe('Error');
    const key = 'pk_test_abc';
    const leaky = await causeOf(
      Object.assign(new Error(`key ${key}`), { name: `Bad_${key}`, code: key }),
      key,
    );
    expect(leaky.message).toBe('Error');
    expect(JSON.stringify({ ...leaky, message: leaky.message })).not.toContain(key);
    const edge = await causeOf(
      Object.assign(new Error('x'), { name: 'N'.repeat(64), code: 'E.1-x' }),
    );
    expect(edge).toMatchObject({ name: 'N'.repeat(64), code: 'E.1-x' });
  });

  it('survives a thrown value that is not an error, or whose getters throw', async () => {
    expect((await causeOf('a string')).message).toBe('Error');
    expect((await causeOf(null)).message).toBe('Error');
    const hostile = {
      get name(): string {
        throw new Error('getter');
      },
    };
    expect((await causeOf(hostile)).message).toBe('Error');
  });
});
