// vitest-pool-workers turns on `nodejs_compat` for its runner Worker, which puts Node's `Buffer`
// (and friends) on the global. A deployed Worker with this project's wrangler.toml has none of
// them: take them away so tests and package code see what production sees.
for (const name of ['Buffer', 'global', 'setImmediate', 'clearImmediate']) {
  try {
    delete (globalThis as Record<string, unknown>)[name];
  } catch {
    // not configurable here: the per-module shadowing of runtimes/_shared/no-node.ts covers it
  }
}
