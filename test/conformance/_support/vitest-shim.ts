/**
 * `vitest` for runtimes that cannot run vitest: Node 18/22/24 (through an esbuild bundle run by
 * `node --test`) and Deno (through the import map in deno.json). It maps the portable subset that
 * test/conformance/README.md allows onto `node:test`, with `expect` from the npm `expect` package
 * (the same matchers vitest and bun:test implement), plus `it.each`/`test.each`/`describe.each`,
 * an `expect(value, message)` and a small `vi` (`fn`, `spyOn`, `restoreAllMocks`) for the
 * portable unit suites. Bun needs no shim: it maps `vitest` to `bun:test` itself, which has all
 * of these.
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
// A test awaiting something bounded only by `AbortSignal.timeout` (unref'd timers on Node) must
// not see node:test end the file because the event loop looks idle: the interval stands for
// the vitest worker or the server that keeps a real process alive.
const run = (fn: TestFn | HookFn) => async (): Promise<void> => {
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    await fn();
  } finally {
    clearInterval(keepAlive);
  }
};

type Timeout = number | { timeout?: number };
type RowFn = (...args: any[]) => unknown;
type Each<R> = (table: readonly unknown[]) => (name: string, fn: RowFn, timeout?: Timeout) => R;

interface TestApi {
  (name: string, fn: TestFn, timeout?: Timeout): void;
  skip(name: string, fn?: TestFn, timeout?: Timeout): void;
  only(name: string, fn: TestFn, timeout?: Timeout): void;
  todo(name: string): void;
  each: Each<void>;
}

/** One value in a test name, the way vitest prints it (strings bare, the rest as JSON). */
function show(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'function') return `[Function ${value.name}]`;
  if (typeof value === 'bigint' || value === undefined) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** vitest's `each` names: `$key.path` from an object row, printf (`%s %d %j %#`) from the rest. */
function eachName(template: string, row: unknown, args: unknown[], index: number): string {
  if (template.includes('$') && row !== null && typeof row === 'object' && !Array.isArray(row)) {
    return template.replace(/\$([\w.]+)/g, (whole, path: string) => {
      let v: unknown = row;
      for (const part of path.split('.')) v = (v as Record<string, unknown> | undefined)?.[part];
      return v === undefined && !(path.split('.')[0]! in row) ? whole : show(v);
    });
  }
  let next = 0;
  return template.replace(/%[sdifjoO#$%]/g, (spec) => {
    if (spec === '%%') return '%';
    if (spec === '%#') return String(index);
    if (spec === '%$') return String(index + 1);
    if (next >= args.length) return spec;
    const v = args[next++];
    if (spec === '%d' || spec === '%i')
      return String(spec === '%i' ? Math.trunc(Number(v)) : Number(v));
    if (spec === '%f') return String(Number(v));
    return spec === '%s' ? show(v) : JSON.stringify(v);
  });
}

/** `x.each(table)(name, fn)`: one `x` per row; an array row is spread into `fn`'s arguments. */
function eachOf<R>(define: (name: string, fn: () => unknown, timeout?: Timeout) => R): Each<void> {
  return (table) => (name, fn, timeout) => {
    table.forEach((row, index) => {
      const args = Array.isArray(row) ? row : [row];
      define(eachName(name, row, args, index), () => fn(...args), timeout);
    });
  };
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
  t.each = eachOf(t);
  return t;
}

interface DescribeApi {
  (name: string, fn: SuiteFn): void;
  skip(name: string, fn?: SuiteFn): void;
  only(name: string, fn: SuiteFn): void;
  each: Each<void>;
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
describeImpl.each = eachOf((name, fn) => describeImpl(name, fn as SuiteFn));

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

/**
 * `expect(value, message?)`: vitest and bun:test accept a message that names the failing case;
 * the npm `expect` refuses a second argument, so the message is put in front of the failure here.
 */
// vitest's one matcher beyond jest's that the suites use.
jestExpect.extend({
  toBeTypeOf(received: unknown, expected: string) {
    const pass = typeof received === expected;
    return {
      pass,
      message: () =>
        `expected ${this.utils.printReceived(received)} ${pass ? 'not ' : ''}to be of type ${expected}`,
    };
  },
});

export const expect = Object.assign((actual: unknown, message?: string) => {
  const matchers = jestExpect(actual);
  return message === undefined ? matchers : withMessage(matchers, message);
}, jestExpect) as typeof jestExpect;

function withMessage<T extends object>(target: T, message: string): T {
  return new Proxy(target, {
    get(obj, key, receiver) {
      const value = Reflect.get(obj, key, receiver);
      if (typeof value === 'object' && value !== null) return withMessage(value, message);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const prefix = (error: unknown): never => {
          if (error instanceof Error) error.message = `${message}\n\n${error.message}`;
          throw error;
        };
        try {
          const out = value.apply(obj, args);
          return out instanceof Promise ? out.catch(prefix) : out;
        } catch (error) {
          return prefix(error);
        }
      };
    },
  });
}

// ---- vi: the part of vitest's mocking the portable suites use ---------------------------------

/** A mock function as jest's `expect` recognises it (`toHaveBeenCalled*` read `mock.calls`). */
export interface Mock<A extends unknown[] = unknown[], R = unknown> {
  (...args: A): R;
  _isMockFunction: true;
  mock: { calls: A[]; results: { type: 'return' | 'throw'; value: unknown }[] };
  getMockName(): string;
  mockImplementation(impl: (...args: A) => R): Mock<A, R>;
  mockReturnValue(value: R): Mock<A, R>;
  mockResolvedValue(value: Awaited<R>): Mock<A, R>;
  mockRejectedValue(reason: unknown): Mock<A, R>;
  mockClear(): Mock<A, R>;
  mockRestore(): void;
}

const restorers = new Set<() => void>();

function fn<F extends (...args: any[]) => any>(impl?: F): Mock<Parameters<F>, ReturnType<F>> {
  type A = Parameters<F>;
  type R = ReturnType<F>;
  let current: ((...args: A) => R) | undefined = impl;
  const mock = function (this: unknown, ...args: A): R {
    mock.mock.calls.push(args);
    try {
      const value = current ? current.apply(this, args) : (undefined as R);
      mock.mock.results.push({ type: 'return', value });
      return value;
    } catch (error) {
      mock.mock.results.push({ type: 'throw', value: error });
      throw error;
    }
  } as Mock<A, R>;
  mock._isMockFunction = true;
  mock.mock = { calls: [], results: [] };
  mock.getMockName = () => 'vi.fn()';
  mock.mockImplementation = (next) => {
    current = next;
    return mock;
  };
  mock.mockReturnValue = (value) => mock.mockImplementation(() => value);
  mock.mockResolvedValue = (value) => mock.mockImplementation(() => Promise.resolve(value) as R);
  mock.mockRejectedValue = (reason) => mock.mockImplementation(() => Promise.reject(reason) as R);
  mock.mockClear = () => {
    mock.mock.calls = [];
    mock.mock.results = [];
    return mock;
  };
  mock.mockRestore = () => {};
  return mock;
}

/**
 * Replaces `object[method]` by a mock that calls the original (on the object itself, also when
 * the method lives on a prototype, as `crypto.subtle.verify` does) until `restoreAllMocks`.
 */
function spyOn<T extends object, K extends keyof T>(object: T, method: K) {
  const original = object[method] as (...args: unknown[]) => unknown;
  if (typeof original !== 'function')
    throw new TypeError(`vi.spyOn: ${String(method)} is not a function`);
  const own = Object.getOwnPropertyDescriptor(object, method);
  const spy = fn((...args: unknown[]) => original.apply(object, args));
  Object.defineProperty(object, method, {
    value: spy,
    writable: true,
    configurable: true,
    enumerable: own?.enumerable ?? false,
  });
  const restore = (): void => {
    restorers.delete(restore);
    if (own) Object.defineProperty(object, method, own);
    else delete (object as Record<PropertyKey, unknown>)[method as PropertyKey];
  };
  spy.mockRestore = restore;
  restorers.add(restore);
  return spy;
}

/** vitest's `vi`, reduced to `fn`, `spyOn` and `restoreAllMocks`. */
export const vi = {
  fn,
  spyOn,
  restoreAllMocks(): void {
    for (const restore of [...restorers]) restore();
  },
};

/**
 * vitest's `expectTypeOf`: a type-level assertion, checked by `tsc` (npm run typecheck); at run
 * time, as in vitest, any chain of it is accepted and does nothing.
 */
export function expectTypeOf(_value?: unknown): any {
  const chain: any = new Proxy(() => chain, { get: () => chain, apply: () => chain });
  return chain;
}
