// Mutation testing of src/tokens and src/http: `npm run test:mutation` (not part of `npm test`:
// it takes long). One file: `npx stryker run --mutate src/tokens/claims.ts`. The report, and why
// each surviving mutant is left, are in docs/testing.md ("Mutation testing").
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  mutate: ['src/tokens/**/*.ts', 'src/http/**/*.ts'],
  coverageAnalysis: 'perTest',
  // Module-level constants (messages, tables) would each need every test run in a fresh process.
  ignoreStatic: true,
  incremental: true,
  // Everything Stryker writes stays in .cache/ (git-ignored): the incremental file, the reports
  // and the sandboxes.
  incrementalFile: '.cache/stryker/incremental.json',
  tempDirName: '.cache/stryker-tmp',
  ignorePatterns: ['/.cache', '/dist', '/bench', '/examples', '/docs', '/coverage', '/.wrangler'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: '.cache/stryker/mutation.html' },
  jsonReporter: { fileName: '.cache/stryker/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  concurrency: 2,
  timeoutMS: 8000,
  thresholds: { high: 90, low: 80, break: null },
};
