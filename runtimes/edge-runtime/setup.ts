// The Edge runtime has no `Buffer` (vitest's edge-runtime environment adds Node's) and no
// `global`: take them away, so a test or package module that leans on them fails here.
for (const name of ['Buffer', 'global', 'setImmediate', 'clearImmediate']) {
  try {
    delete (globalThis as Record<string, unknown>)[name];
  } catch {
    // not configurable in this host: the per-module shadowing of runtimes/_shared/no-node.ts covers it
  }
}
