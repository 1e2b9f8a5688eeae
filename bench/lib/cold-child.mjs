/**
 * Child process of the cold-start benchmark: watches the globals a module could touch at load
 * (fetch, Headers, Request, Response, crypto), then times one `import()` of the module given as
 * argument in this fresh process and prints `{ ms, touched }`.
 */
const touched = new Set();
for (const name of ['fetch', 'Headers', 'Request', 'Response', 'crypto']) {
  const desc = Object.getOwnPropertyDescriptor(globalThis, name);
  if (!desc) continue;
  const read = desc.get ? () => desc.get.call(globalThis) : () => desc.value;
  Object.defineProperty(globalThis, name, {
    configurable: true,
    enumerable: desc.enumerable,
    get() {
      touched.add(name);
      return read();
    },
    set(v) {
      Object.defineProperty(globalThis, name, {
        value: v,
        writable: true,
        configurable: true,
        enumerable: desc.enumerable,
      });
    },
  });
}
const { pathToFileURL } = await import('node:url');
const url = process.argv[2].startsWith('file:')
  ? process.argv[2]
  : pathToFileURL(process.argv[2]).href;
const t0 = performance.now();
await import(url);
const ms = performance.now() - t0;
process.stdout.write(JSON.stringify({ ms, touched: [...touched] }));
