/**
 * Every public export in the published declarations (dist/*.d.ts, what editors show users) has a
 * doc comment, and so has every member of an exported class or interface; the entry points users
 * start from carry an `@example`. Read with the TypeScript compiler, as an editor reads them.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
const ADAPTERS = ['express.d.ts', 'fastify.d.ts', 'next.d.ts', 'nestjs.d.ts'];
const ENTRIES = ['index.d.ts', 'hono.d.ts', 'testing.d.ts', 'server.d.ts', ...ADAPTERS];
/** What a user starts from: each needs an `@example`. */
const WITH_EXAMPLE: Record<string, string[]> = {
  'index.d.ts': ['Protekt'],
  'hono.d.ts': ['protektAuth'],
  'testing.d.ts': ['createEmulator'],
  'server.d.ts': ['serveEmulator'],
  ...Object.fromEntries(ADAPTERS.map((entry) => [entry, ['protektAuth']])),
};

const program = ts.createProgram(
  ENTRIES.map((f) => dist + f),
  { strict: true, skipLibCheck: true, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: [] },
);
const checker = program.getTypeChecker();

const hasDoc = (symbol: ts.Symbol): boolean =>
  ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() !== '';

/** The exports of an entry without a doc comment, and their members without one. */
function undocumented(entry: string): string[] {
  const file = program.getSourceFile(dist + entry)!;
  const module = checker.getSymbolAtLocation(file)!;
  const missing: string[] = [];
  for (const exported of checker.getExportsOfModule(module)) {
    const symbol =
      exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (!hasDoc(symbol)) missing.push(exported.name);
    if (!(symbol.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface))) continue;
    // Members declared by the package itself (not inherited from Error, Response…).
    const members = [
      ...(symbol.members?.values() ?? []),
      ...(symbol.exports?.values() ?? []),
    ].filter((member) =>
      member.declarations?.some((d) => d.getSourceFile().fileName.startsWith(dist)),
    );
    for (const member of members) {
      if (member.flags & ts.SymbolFlags.TypeParameter) continue;
      if (
        member.name === '__constructor' ||
        member.name === 'prototype' ||
        member.name.startsWith('__@')
      )
        continue;
      if (!hasDoc(member)) missing.push(`${exported.name}.${member.name}`);
    }
  }
  return missing;
}

/** The `@example` tags of an export. */
function examples(entry: string, name: string): string[] {
  const file = program.getSourceFile(dist + entry)!;
  const exported = checker
    .getExportsOfModule(checker.getSymbolAtLocation(file)!)
    .find((s) => s.name === name);
  if (!exported) return [];
  const symbol =
    exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  return symbol
    .getJsDocTags(checker)
    .filter((tag) => tag.name === 'example')
    .map((tag) => ts.displayPartsToString(tag.text));
}

describe('doc comments in the published declarations', () => {
  it('the declarations are built', () => {
    for (const entry of ENTRIES)
      expect(existsSync(dist + entry), `${entry} (run npm run build)`).toBe(true);
  });

  it.each(ENTRIES)(
    'every export of %s and every member of its classes and interfaces has one',
    (entry) => {
      expect(undocumented(entry)).toEqual([]);
    },
  );

  it.each(
    Object.entries(WITH_EXAMPLE).flatMap(([entry, names]) =>
      names.map((name) => [entry, name] as const),
    ),
  )('%s: %s shows an @example', (entry, name) => {
    expect(examples(entry, name).join('\n')).toMatch(/\w/);
  });
});
