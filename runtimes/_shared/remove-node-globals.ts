/**
 * Setup file of the workerd and edge-runtime runs. A deployed Worker (no `nodejs_compat`) and the
 * Edge runtime have no `Buffer`, `global`, `setImmediate` or `clearImmediate`; their test hosts do
 * (vitest-pool-workers forces `nodejs_compat` on its runner Worker, vitest's edge-runtime
 * environment copies Node's `Buffer` in). Delete them, so a test or package module that leans on
 * them fails here with the same `ReferenceError` as in production. If a host ever makes one of them
 * undeletable, fail loudly: the run would no longer prove anything.
 */
const NODE_ONLY_GLOBALS = ['Buffer', 'global', 'setImmediate', 'clearImmediate'];

for (const name of NODE_ONLY_GLOBALS) {
  // Own property of the global object, or (workerd) of a prototype of it.
  for (let o: object | null = globalThis; o && name in o; o = Object.getPrototypeOf(o)) {
    try {
      delete (o as Record<string, unknown>)[name];
    } catch {
      // checked below
    }
  }
  if (name in globalThis) {
    throw new Error(
      `runtimes/_shared/remove-node-globals.ts: cannot remove the Node global "${name}" in this host`,
    );
  }
}
