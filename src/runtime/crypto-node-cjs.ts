/**
 * Node's WebCrypto shim, CommonJS build (`dist/runtime/crypto-node.cjs`; the ESM one is
 * `crypto-node.ts`). Node 20+ has `globalThis.crypto`: there `node:crypto` is never loaded. Where
 * WebCrypto is missing (Node 18 without a flag) it is required once, on first use, through
 * `module.require` (a bare `require` would get the bundler's dynamic-require wrapper).
 */
let nodeWebCrypto: Crypto | undefined;

/** Returns the runtime's WebCrypto object (the global when present, Node's module otherwise). */
function getCrypto(): Crypto {
  const global = (globalThis as { crypto?: Crypto }).crypto;
  if (global?.subtle) return global;
  nodeWebCrypto ??= (module.require('node:crypto') as { webcrypto: Crypto }).webcrypto;
  return nodeWebCrypto;
}

exports.getCrypto = getCrypto;
