/**
 * Cold start: `import()` of a module in a fresh Node process (one process per sample, modules
 * interleaved), and which of fetch / Headers / Request / Response / crypto it touched at load.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spread } from '../lib/measure.mjs';

export async function coldSuite({ modules, samples, log }) {
  const child = fileURLToPath(new URL('../lib/cold-child.mjs', import.meta.url));
  const present = Object.entries(modules).filter(
    ([, path]) => path && (path.startsWith('file:') || existsSync(path)),
  );
  const times = Object.fromEntries(present.map(([name]) => [name, []]));
  const touched = Object.fromEntries(present.map(([name]) => [name, new Set()]));
  for (let i = 0; i < samples; i++) {
    for (const [name, path] of i % 2 ? [...present].reverse() : present) {
      const r = JSON.parse(execFileSync(process.execPath, [child, path], { encoding: 'utf8' }));
      times[name].push(r.ms);
      for (const t of r.touched) touched[name].add(t);
    }
  }
  const out = {};
  for (const [name] of present)
    out[name] = { ms: spread(times[name]), touched: [...touched[name]] };
  const empty = out.empty?.ms.median ?? 0;
  for (const v of Object.values(out)) v.overEmpty = v.ms.median - empty;
  log(
    `cold: ${Object.entries(out)
      .map(([k, v]) => `${k} ${v.ms.median.toFixed(2)} ms`)
      .join(', ')}`,
  );
  return out;
}
