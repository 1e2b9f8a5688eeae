import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

const root = fileURLToPath(new URL('../../', import.meta.url));
const builtins = new Set(builtinModules);

/** Node globals a Worker / Edge function does not have (as the package must assume). */
const NODE_GLOBALS = ['Buffer', 'process', 'global', 'require', 'setImmediate', 'clearImmediate', '__dirname', '__filename'];

/** The package's own code: the built entries and the sources, minus the two places allowed Node. */
function isPackageCode(file: string | undefined): boolean {
  if (!file) return false;
  const f = file.split('?')[0]!.replaceAll('\\', '/');
  if (!f.startsWith(root)) return false;
  const rel = f.slice(root.length);
  if (rel.startsWith('dist/runtime/crypto-node') || rel.startsWith('src/runtime/crypto-node')) return false;
  if (rel.startsWith('dist/emulator-cli') || rel.startsWith('src/cli/')) return false;
  return rel.startsWith('dist/') || rel.startsWith('src/');
}

function isBuiltin(id: string): boolean {
  return id.startsWith('node:') || builtins.has(id) || builtins.has(id.split('/')[0]!);
}

/**
 * The workerd and edge-runtime runs exist to prove that the package uses no Node API. Their hosts
 * (vitest-pool-workers forces `nodejs_compat` on its runner Worker; vitest's edge-runtime
 * environment adds `Buffer`) would otherwise make Node APIs silently available. This plugin:
 * - fails the resolution of any Node built-in (`node:crypto`, `buffer`, ...) imported by package
 *   code, and
 * - shadows the Node globals (`Buffer`, `process`, `global`, ...) with `undefined` inside package
 *   modules, so `Buffer.from(...)` throws there exactly as it would in a deployed Worker.
 * The prelude is put on the module's first line so stack traces keep their line numbers.
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
      const prelude = `const ${NODE_GLOBALS.map((g) => `${g} = void 0`).join(', ')};`;
      return { code: prelude + code, map: null };
    },
  };
}
