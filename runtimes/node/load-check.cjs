// Loads the BUILT package by `require`, as a CommonJS user on this Node would (see
// load-check.mjs for the ESM side). Prints `load-check: N passed, N failed`.
'use strict';
const results = [];
function check(name, fn) {
  try {
    fn();
    results.push([name, true]);
  } catch (err) {
    results.push([name, false]);
    console.error(`✗ ${name}\n  ${err?.stack || err}`);
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

for (const entry of ['@protekt/node', '@protekt/node/testing', '@protekt/node/hono']) {
  check(`require('${entry}')`, () => {
    const ns = require(entry);
    assert(typeof ns === 'object' && ns !== null, 'module.exports is not an object');
    const resolved = require.resolve(entry);
    assert(resolved.endsWith('.cjs'), `resolved to ${resolved}, not the CJS build`);
  });
}
check(`require('#crypto') gives Node's shim with WebCrypto`, () => {
  const resolved = require.resolve('#crypto');
  assert(resolved.endsWith('crypto-node.cjs'), `resolved to ${resolved}`);
  const c = require('#crypto').getCrypto();
  assert(c?.subtle && typeof c.subtle.digest === 'function', 'no crypto.subtle');
});

const failed = results.filter(([, ok]) => !ok).length;
console.log(
  `load-check (require, ${process.version}): ${results.length - failed} passed, ${failed} failed`,
);
process.exitCode = failed ? 1 : 0;
