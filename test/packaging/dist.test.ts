/**
 * Static checks of the built package (dist/) and of what `npm pack` ships. Run on Node 20 after
 * the build (`npm test` step `packaging`). The run-time proof that the package works everywhere is
 * the conformance suite on every runtime; these checks catch packaging mistakes early and with a
 * precise message.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  devDependencies: Record<string, string>;
  exports: Record<string, unknown>;
  imports: Record<string, Record<string, Record<string, string>>>;
  sideEffects: boolean;
  engines: { node: string };
  files: string[];
  main: string;
  types: string;
  module: string;
};
const read = (rel: string) => readFileSync(join(root, rel), 'utf8');

/** Every file path a conditions object can lead to. */
function targets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(targets);
  return [];
}

/** The files of the web-standard entries (everything a Worker / Edge function loads). */
/** The framework adapters, and the one framework each may import (an optional peer). */
const ADAPTERS: Record<string, (specifier: string) => boolean> = {
  express: () => false,
  fastify: () => false,
  next: (s) => s === 'next/server.js',
  nestjs: (s) => s === '@nestjs/common',
};

const WEB_FILES = ['index', 'hono', 'testing', 'runtime/crypto', ...Object.keys(ADAPTERS)].flatMap(
  (n) => [`dist/${n}.js`, `dist/${n}.cjs`],
);

/**
 * The modules a built file imports or requires, as its runtime would see them: esbuild parses the
 * file (comments and strings do not count, unlike a text search; the bundled hono's doc comments
 * are full of `import … from 'hono'` examples) and every specifier is recorded and left external.
 */
const importsCache = new Map<string, Promise<string[]>>();
function imports(rel: string): Promise<string[]> {
  let found = importsCache.get(rel);
  if (!found) {
    found = (async () => {
      const seen = new Set<string>();
      await build({
        entryPoints: [join(root, rel)],
        bundle: true,
        write: false,
        logLevel: 'silent',
        platform: 'neutral',
        format: 'esm',
        plugins: [
          {
            name: 'record-imports',
            setup(b) {
              b.onResolve({ filter: /.*/ }, (args) => {
                if (args.kind === 'entry-point') return undefined;
                seen.add(args.path);
                return { path: args.path, external: true };
              });
            },
          },
        ],
      });
      return [...seen];
    })();
    importsCache.set(rel, found);
  }
  return found;
}

const isHono = (s: string) => s === 'hono' || s.startsWith('hono/');

describe('package.json', () => {
  it('points every export condition at a built file', () => {
    for (const [entry, value] of Object.entries(pkg.exports)) {
      for (const t of targets(value))
        expect(existsSync(join(root, t)), `${entry} → ${t}`).toBe(true);
    }
    for (const t of [pkg.main, pkg.module, pkg.types])
      expect(existsSync(join(root, t)), t).toBe(true);
  });

  it('gives every public entry types for import and require, types first', () => {
    for (const entry of ['.', './hono', './testing']) {
      const e = pkg.exports[entry] as Record<string, Record<string, string>>;
      for (const mode of ['import', 'require'] as const) {
        expect(Object.keys(e[mode]!)[0], `${entry} ${mode}`).toBe('types');
        expect(e[mode]!.types).toMatch(mode === 'import' ? /\.d\.ts$/ : /\.d\.cts$/);
        expect(e[mode]!.default).toMatch(mode === 'import' ? /\.js$/ : /\.cjs$/);
      }
    }
  });

  it('maps #crypto to the node:crypto shim for node only, to the web shim everywhere else', () => {
    const map = pkg.imports['#crypto']!;
    const keys = Object.keys(map);
    expect(keys[keys.length - 1]).toBe('default');
    // The runtimes that also match `node` (Deno, Bun) must meet their own condition first.
    for (const c of ['deno', 'bun', 'workerd', 'worker', 'edge-light', 'browser']) {
      expect(keys.indexOf(c), c).toBeGreaterThan(-1);
      expect(keys.indexOf(c), c).toBeLessThan(keys.indexOf('node'));
      expect(map[c]).toEqual({
        import: './dist/runtime/crypto.js',
        require: './dist/runtime/crypto.cjs',
      });
    }
    expect(map.node).toEqual({
      import: './dist/runtime/crypto-node.js',
      require: './dist/runtime/crypto-node.cjs',
    });
    for (const t of targets(map)) expect(existsSync(join(root, t)), t).toBe(true);
  });

  it('gives Node its own build of . and ./verify, after the web runtimes that also match node', () => {
    for (const [entry, name] of [
      ['.', 'index'],
      ['./verify', 'verify'],
    ] as const) {
      const e = pkg.exports[entry] as Record<string, Record<string, Record<string, string>>>;
      const keys = Object.keys(e);
      for (const c of ['deno', 'bun', 'workerd', 'worker', 'edge-light', 'browser']) {
        expect(keys.indexOf(c), `${entry} ${c}`).toBeGreaterThan(-1);
        expect(keys.indexOf(c), `${entry} ${c}`).toBeLessThan(keys.indexOf('node'));
        expect(e[c]!.import!.default, `${entry} ${c}`).toBe(`./dist/${name}.js`);
      }
      expect(e['node']!.import).toEqual({
        types: `./dist/${name}.d.ts`,
        default: `./dist/node/${name}.js`,
      });
      expect(e['node']!.require).toEqual({
        types: `./dist/${name}.d.cts`,
        default: `./dist/node/${name}.cjs`,
      });
    }
  });

  it('gives node10-resolution users types for the subpaths (typesVersions), pointing at built files', () => {
    const tv = (pkg as unknown as { typesVersions: Record<string, Record<string, string[]>> })
      .typesVersions['*']!;
    // Every subpath of `exports` (but package.json) has its entry.
    const subpaths = Object.keys(pkg.exports)
      .filter((k) => k !== '.' && k !== './package.json')
      .map((k) => k.slice(2));
    expect(Object.keys(tv).sort()).toEqual(subpaths.sort());
    for (const [sub, files] of Object.entries(tv)) {
      expect(files).toEqual([`./dist/${sub}.d.cts`]);
      expect(existsSync(join(root, files[0]!)), files[0]).toBe(true);
    }
  });

  it('declaration files never import #crypto (type resolution does not depend on the imports map)', () => {
    for (const f of ['index', 'hono', 'testing'].flatMap((n) => [
      `dist/${n}.d.ts`,
      `dist/${n}.d.cts`,
    ])) {
      expect(read(f), f).not.toContain('#crypto');
    }
  });

  it('has no runtime dependency: hono is an optional peer (>=4.6 <5), hono and uqr are dev-only', () => {
    // An Express user installs @protekt/node alone; a Hono user keeps the one hono of the app.
    expect(pkg.dependencies, 'no `dependencies` key').toBeUndefined();
    expect(pkg.peerDependencies).toEqual({
      '@nestjs/common': '>=10 <12',
      express: '>=4 <6',
      fastify: '>=4 <6',
      hono: '>=4.6 <5',
      next: '>=13.4',
    });
    // Every framework is optional: an app installs only its own.
    for (const name of Object.keys(pkg.peerDependencies))
      expect(pkg.peerDependenciesMeta[name], name).toEqual({ optional: true });
    // Exact versions: what ./testing and the CLI bundle is what was tested.
    expect(pkg.devDependencies.hono).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.devDependencies.uqr).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('declaration files other than those of ./hono never import hono or uqr (types need no hono)', () => {
    const files = readdirSync(join(root, 'dist'))
      .filter((n) => /\.d\.c?ts$/.test(n) && !n.startsWith('hono.'))
      .map((n) => `dist/${n}`);
    expect(files).toEqual(expect.arrayContaining(['dist/testing.d.ts', 'dist/testing.d.cts']));
    for (const f of files) {
      expect(read(f), f).not.toMatch(/\bfrom\s*["'](hono|uqr)(\/[^"']*)?["']/);
      expect(read(f), f).not.toMatch(/\bimport\s*\(\s*["'](hono|uqr)(\/[^"']*)?["']/);
    }
  });

  it('declares sideEffects: false, engines node >= 18 and ships only dist/', () => {
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.engines.node).toBe('>=18');
    expect(pkg.files).toEqual(['dist', 'README.md']);
  });
});

describe('dist/', () => {
  it('has no Node built-in in the web entries (only the node:crypto shim may import one)', async () => {
    for (const f of WEB_FILES) {
      const bad = (await imports(f)).filter(
        (s) =>
          s.startsWith('node:') ||
          /^(crypto|buffer|fs|path|util|stream|events|http|https|net|os|url|process)$/.test(s),
      );
      expect(bad, f).toEqual([]);
      expect(read(f), f).not.toMatch(/\bBuffer\.(from|alloc|isBuffer|concat)\b/);
    }
    // The Node shim requires node:crypto (the ESM one through node:module's createRequire).
    expect(
      (await imports('dist/runtime/crypto-node.js')).filter((s) => s.startsWith('node:')),
    ).toEqual(['node:module']);
    expect(
      (await imports('dist/runtime/crypto-node.cjs')).filter((s) => s.startsWith('node:')),
    ).toEqual(['node:crypto']);
  });

  it("the Node builds import Node's shim by its path (no #crypto to resolve) and nothing else", async () => {
    for (const name of ['index', 'verify']) {
      expect(await imports(`dist/node/${name}.js`)).toEqual(['../runtime/crypto-node.js']);
      expect(await imports(`dist/node/${name}.cjs`)).toEqual(['../runtime/crypto-node.cjs']);
      // The same code as the web build but for that one import.
      const strip = (code: string) => code.replace(/^.*(#crypto|crypto-node).*$/gm, '');
      expect(strip(read(`dist/node/${name}.js`))).toBe(strip(read(`dist/${name}.js`)));
    }
  });

  it('keeps #crypto external (the runtime picks the shim, not the bundler)', () => {
    for (const f of ['index', 'hono', 'testing'].flatMap((n) => [
      `dist/${n}.js`,
      `dist/${n}.cjs`,
    ])) {
      const code = read(f);
      expect(code, f).not.toContain('WebCrypto is not available in this runtime');
      expect(code, f).not.toMatch(/\bwebcrypto\b/);
    }
  });

  it('does not contain or import jose (the core verifies tokens on WebCrypto directly)', async () => {
    for (const f of [...WEB_FILES, 'dist/emulator-cli.js']) {
      expect(
        (await imports(f)).filter((s) => s === 'jose' || s.startsWith('jose/')),
        f,
      ).toEqual([]);
      expect(read(f), f).not.toMatch(/\bJOSEError\b|\bJWSSignatureVerificationFailed\b/);
    }
  });

  it('keeps hono external in ./hono and out of the core (the app brings its own hono)', async () => {
    const bundledHono = /\bclass Hono\b|\bvar Hono\d* = class\b|\bHonoBase\b|\bHonoRequest\b/;
    for (const f of ['dist/index.js', 'dist/index.cjs']) {
      // The core imports nothing but the #crypto shim: no hono, no uqr, no other package.
      expect(await imports(f), `${f} must not need hono`).toEqual(['#crypto']);
      expect(read(f), f).not.toMatch(bundledHono);
    }
    for (const f of ['dist/hono.js', 'dist/hono.cjs']) {
      // The middleware uses the application's hono (types only, today), never a copy of it, and
      // imports nothing else.
      const deps = await imports(f);
      expect(
        deps.filter((s) => !isHono(s)),
        f,
      ).toEqual([]);
      expect(read(f), f).not.toMatch(bundledHono);
    }
  });

  it('each framework adapter imports at most its own framework, never a bundled copy', async () => {
    for (const [name, framework] of Object.entries(ADAPTERS)) {
      for (const f of [`dist/${name}.js`, `dist/${name}.cjs`]) {
        expect(
          (await imports(f)).filter((s) => !framework(s)),
          f,
        ).toEqual([]);
        expect(read(f), f).not.toMatch(/\bclass NextResponse\b|\bfunction createParamDecorator\b/);
      }
    }
  });

  it('bundles hono and uqr into ./testing and the CLI (they run with no hono installed)', async () => {
    for (const f of ['dist/testing.js', 'dist/testing.cjs', 'dist/emulator-cli.js']) {
      const deps = await imports(f);
      expect(
        deps.filter((s) => isHono(s) || s === 'uqr'),
        `${f} must not import hono or uqr`,
      ).toEqual([]);
      // Only the #crypto shim and, for the CLI, Node built-ins: nothing left to install.
      expect(
        deps.filter((s) => s !== '#crypto' && !s.startsWith('node:')),
        f,
      ).toEqual([]);
      expect(read(f), `${f} carries hono`).toMatch(/\bvar Hono\d* = class\b/);
      // The MIT notices of what is bundled travel with it.
      expect(read(f), f).toContain('Yusuke Wada and Hono contributors');
      expect(read(f), f).toContain('Project Nayuki');
    }
  });
});

describe('npm pack', () => {
  it('ships dist/, package.json and README.md only', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
    });
    const files = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map(
      (f) => f.path,
    );
    for (const f of files) expect(f).toMatch(/^(dist\/|package\.json$|README\.md$|LICENSE)/);
    for (const needed of [
      'package.json',
      'dist/index.js',
      'dist/index.cjs',
      'dist/index.d.ts',
      'dist/index.d.cts',
      'dist/runtime/crypto.js',
      'dist/runtime/crypto-node.cjs',
    ]) {
      expect(files).toContain(needed);
    }
  });
});
