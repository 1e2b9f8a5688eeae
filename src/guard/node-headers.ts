/**
 * The headers of a Node-style request (`IncomingMessage#headers`: names in lower case, a value a
 * string or, for a repeated header, an array) as the guard reads them. For Express, Connect,
 * Fastify and NestJS, which hand the adapters Node's request objects.
 */
import type { HeaderReader, RefusedRequest } from './types.js';

/** A Node request's `headers` object. */
export type NodeHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** A {@link HeaderReader} over a Node request's `headers` (repeated values joined as Node does). */
export const nodeHeaders = (headers: NodeHeaders): HeaderReader => ({
  get(name) {
    const value = headers[name];
    return typeof value === 'string' ? value : value?.join(name === 'cookie' ? '; ' : ', ');
  },
});

/** What a Node-style framework writes for a refusal: status, headers and the JSON body. */
export function refusalParts(refused: RefusedRequest): {
  status: number;
  headers: [string, string][];
  body: string;
} {
  const headers: [string, string][] = [];
  refused.response.headers.forEach((value, name) => {
    headers.push([name, value]);
  });
  const { code, message } = refused.error;
  return {
    status: refused.error.status,
    headers,
    body: JSON.stringify({ error: { code, message } }),
  };
}
