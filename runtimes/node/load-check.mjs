// Loads the BUILT package by `import`, as an ES module user on this Node would, and checks the
// `#crypto` import map hands Node the node:crypto-backed shim with a working WebCrypto (Node 18
// has no `globalThis.crypto`). Prints `load-check: N passed, N failed`; exit code 1 on failure.
const results = [];
async function check(name, fn) {
  try {
    await fn();
    results.push([name, true]);
  } catch (err) {
    results.push([name, false]);
    console.error(`✗ ${name}\n  ${err?.stack ?? err}`);
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

for (const entry of ['@protekt/node', '@protekt/node/testing', '@protekt/node/hono']) {
  await check(`import('${entry}')`, async () => {
    const ns = await import(entry);
    assert(typeof ns === 'object' && ns !== null, 'namespace is not an object');
    assert(!('default' in ns), 'has a default export');
  });
}
await check(`import('#crypto') gives Node's shim with WebCrypto`, async () => {
  const { getCrypto } = await import('#crypto');
  const c = getCrypto();
  assert(typeof c?.subtle?.digest === 'function', 'no crypto.subtle');
  const digest = new Uint8Array(await c.subtle.digest('SHA-256', new TextEncoder().encode('abc')));
  assert(digest[0] === 0xba && digest[31] === 0xad, 'wrong SHA-256');
});

const failed = results.filter(([, ok]) => !ok).length;
console.log(
  `load-check (import, ${process.version}): ${results.length - failed} passed, ${failed} failed`,
);
process.exitCode = failed ? 1 : 0;
