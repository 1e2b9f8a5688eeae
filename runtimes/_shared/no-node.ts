import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

const root = fileURLToPath(new URL('../../', import.meta.url));
const builtins = new Set(builtinModules);

/**
 * Node globals the host needs for itself (vitest's runner uses `process`), so they cannot be
 * deleted from the global scope: shadowed with `undefined` inside package modules instead.
 * `Buffer`, `global`, `setImmediate` and `clearImmediate` are deleted outright by the runs' setup
 * file (runtimes/_shared/remove-node-globals.ts), which gives the real `ReferenceError`.
 */
const SHADOWED_GLOBALS = ['process', 'require', '__dirname', '__filename'];

/** The package's own code: the built entries and the sources, minus the two places allowed Node. */
function isPackageCode(file: string | undefined): boolean {
  if (!file) return false;
  const f = file.split('?')[0]!.replaceAll('\\', '/');
  if (!f.startsWith(root)) return false;
  const rel = f.slice(root.length);
  if (rel.startsWith('dist/runtime/crypto-node') || rel.startsWith('src/runtime/crypto-node'))
    return false;
  if (rel.startsWith('dist/emulator-cli') || rel.startsWith('src/cli/')) return false;
  return rel.startsWith('dist/') || rel.startsWith('src/');
}

/** `import … from "x"` / `export … from "x"` / `import "x"`, `import("x")`, `require("x")`. */
const IMPORT_RE =
  /(?:^|[\s;}])(?:import|export)\b[^'"()]*?\bfrom\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*(?:\(\s*)?['"]([^'"]+)['"]|\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/gm;

function isBuiltin(id: string): boolean {
  return id.startsWith('node:') || builtins.has(id) || builtins.has(id.split('/')[0]!);
}

/**
 * The workerd and edge-runtime runs exist to prove that the package uses no Node API. Their hosts
 * (vitest-pool-workers forces `nodejs_compat` on its runner Worker; vitest's edge-runtime
 * environment adds `Buffer`) would otherwise make Node APIs silently available. This plugin:
 * - fails the resolution of any Node built-in (`node:crypto`, `buffer`, ...) imported by package
 *   code, and
 * - shadows `process` (and `require`, `__dirname`, `__filename`) with `undefined` inside package
 *   modules: the host needs the global, the package must not touch it.
 * The setup file runtimes/_shared/remove-node-globals.ts deletes `Buffer` & co. from the global
 * scope, so `Buffer.from(...)` in package code fails with `ReferenceError: Buffer is not defined`
 * exactly as in a deployed Worker. The prelude is put on the module's first line so stack traces
 * keep their line numbers.
 */
export function noNodeInPackage(): Plugin {
  return {
    name: 'protekt:no-node-in-package',
    enforce: 'pre',
    resolveId(id, importer) {
      if (isPackageCode(importer) && isBuiltin(id)) {
        throw new Error(
          `Node built-in "${id}" imported by ${importer}: the package must run on web standards only (workerd / Edge have no Node APIs).`,
        );
      }
      return null;
    },
    transform(code, id) {
      if (!isPackageCode(id) || !/\.(m?js|ts)$/.test(id.split('?')[0]!)) return null;
      // vitest's module runner loads Node built-ins itself, without asking the plugins'
      // resolveId: look for them in the package module's own import statements too.
      for (const m of code.matchAll(IMPORT_RE)) {
        const spec = m[1] ?? m[2] ?? m[3];
        if (spec && isBuiltin(spec)) {
          throw new Error(
            `Node built-in "${spec}" imported by ${id}: the package must run on web standards only (workerd / Edge have no Node APIs).`,
          );
        }
      }
      const prelude = `const ${SHADOWED_GLOBALS.map((g) => `${g} = void 0`).join(', ')};`;
      return { code: prelude + code, map: null };
    },
  };
}
