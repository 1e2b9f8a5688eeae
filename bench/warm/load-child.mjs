// Child of the Node load benchmark (bench/suites/warm.mjs), copied beside a node_modules holding
// the package: times one `import()` in this fresh process, of an empty module (`empty`) or of
// `@protekt/node` as Node resolves it (`package`: dist/ through the package's `exports` and
// `imports`), and prints the ms.
const target = process.argv[2] === 'package' ? '@protekt/node' : './empty.mjs';
const t0 = performance.now();
await import(target);
process.stdout.write(String(performance.now() - t0));
