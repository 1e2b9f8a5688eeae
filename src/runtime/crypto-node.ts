/**
 * Node's WebCrypto shim (ESM): the one module of the package allowed a `node:` import. Selected by
 * the `node` condition of the package's `#crypto` import map. Node 20+ has `globalThis.crypto`:
 * there `node:crypto` is never loaded (a static `import 'node:crypto'` cost ~6 ms of every cold
 * start). Only where WebCrypto is missing — Node 18, unless started with a flag — it is required
 * once, on first use, through `createRequire` (`node:module` is part of Node's own loader, so
 * importing it costs next to nothing; a top-level `await import()` would break bundles made into
 * CommonJS). The CommonJS build of this shim is `crypto-node-cjs.ts`.
 */
import { createRequire } from 'node:module';

let nodeWebCrypto: Crypto | undefined;

/** Returns the runtime's WebCrypto object (the global when present, Node's module otherwise). */
export function getCrypto(): Crypto {
  const global = (globalThis as { crypto?: Crypto }).crypto;
  if (global?.subtle) return global;
  nodeWebCrypto ??= (createRequire(import.meta.url)('node:crypto') as { webcrypto: Crypto })
    .webcrypto;
  return nodeWebCrypto;
}
