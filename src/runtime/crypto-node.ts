/**
 * Node's WebCrypto shim: the one module of the package allowed a `node:` import. Selected by the
 * `node` condition of the package's `#crypto` import map. Node 18 only exposes WebCrypto as
 * `require('node:crypto').webcrypto` unless started with a flag; Node 20+ also has the global.
 */
import { webcrypto } from 'node:crypto';

/** Returns the runtime's WebCrypto object (the global when present, Node's module otherwise). */
export function getCrypto(): Crypto {
  return (globalThis as { crypto?: Crypto }).crypto ?? (webcrypto as unknown as Crypto);
}
