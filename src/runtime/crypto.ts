/**
 * The WebCrypto implementation for runtimes that have `globalThis.crypto` (Workers, the Edge
 * runtime, Deno, Bun, Node 20+). Node builds swap this module for `crypto-node.ts` through the
 * package's `#crypto` import condition, because Node 18 has no global `crypto` without a flag.
 * Read lazily: importing the package must not touch the global.
 */

/** Returns the runtime's WebCrypto object. */
export function getCrypto(): Crypto {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (!c?.subtle) {
    throw new TypeError('globalThis.crypto.subtle is missing.');
  }
  return c;
}
