/**
 * `vitest` for runtimes that cannot run vitest: Node 18/22/24 (through an esbuild bundle run by
 * `node --test`) and Deno (through the import map in deno.json). It maps the portable subset that
 * test/conformance/README.md allows onto `node:test`, with `expect` from the npm `expect` package
 * (the same matchers vitest and bun:test implement). Bun needs no shim: it maps `vitest` to
 * `bun:test` itself.
 *
 * Anything outside the subset is deliberately missing here, so a non-portable test fails on the
 * first runtime that uses this shim instead of silently passing on Node 20 only.
 */
import * as nodeTest from 'node:test';
import { expect as jestExpect } from 'expect';

type TestFn = () => unknown | Promise<unknown>;
type SuiteFn = () => void;
type HookFn = () => unknown | Promise<unknown>;

/** Per-test default, the same as the vitest runners' `testTimeout`. */
const DEFAULT_TIMEOUT = 20_000;
const HOOK_TIMEOUT = 30_000;

function timeoutOf(arg: number | { timeout?: number } | undefined): number {
  if (typeof arg === 'number') return arg;
  return arg?.timeout ?? DEFAULT_TIMEOUT;
}

// node:test hands a `TestContext` (and, for arity 2, a `done` callback) to the function; vitest
// hands a context object. Portable tests take no argument, so call them with none.
const run = (fn: TestFn | HookFn) => async (): Promise<void> => {
  await fn();
};

interface TestApi {
  (name: string, fn: TestFn, timeout?: number | { timeout?: number }): void;
  skip(name: string, fn?: TestFn, timeout?: number | { timeout?: number }): void;
  only(name: string, fn: TestFn, timeout?: number | { timeout?: number }): void;
  todo(name: string): void;
}

function makeTest(): TestApi {
  const t = ((name: string, fn: TestFn, timeout?: number | { timeout?: number }) => {
    nodeTest.it(name, { timeout: timeoutOf(timeout) }, run(fn));
  }) as TestApi;
  t.skip = (name) => {
    nodeTest.it(name, { skip: true }, () => {});
  };
  t.only = (name, fn, timeout) => {
    nodeTest.it(name, { only: true, timeout: timeoutOf(timeout) }, run(fn));
  };
  t.todo = (name) => {
    nodeTest.it(name, { todo: true }, () => {});
  };
  return t;
}

interface DescribeApi {
  (name: string, fn: SuiteFn): void;
  skip(name: string, fn?: SuiteFn): void;
  only(name: string, fn: SuiteFn): void;
}

const describeImpl = ((name: string, fn: SuiteFn) => {
  nodeTest.describe(name, () => {
    fn();
  });
}) as DescribeApi;
describeImpl.skip = (name) => {
  nodeTest.describe(name, { skip: true }, () => {});
};
describeImpl.only = (name, fn) => {
  nodeTest.describe(name, { only: true }, () => {
    fn();
  });
};

export const describe: DescribeApi = describeImpl;
export const it: TestApi = makeTest();
export const test: TestApi = it;

export function beforeAll(fn: HookFn, timeout?: number): void {
  nodeTest.before(run(fn), { timeout: timeout ?? HOOK_TIMEOUT });
}
export function afterAll(fn: HookFn, timeout?: number): void {
  nodeTest.after(run(fn), { timeout: timeout ?? HOOK_TIMEOUT });
}
export function beforeEach(fn: HookFn, timeout?: number): void {
  nodeTest.beforeEach(run(fn), { timeout: timeout ?? HOOK_TIMEOUT });
}
export function afterEach(fn: HookFn, timeout?: number): void {
  nodeTest.afterEach(run(fn), { timeout: timeout ?? HOOK_TIMEOUT });
}

export const expect = jestExpect;
