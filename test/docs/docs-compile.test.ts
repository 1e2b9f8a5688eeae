/**
 * "The docs are compiled": every TypeScript/JavaScript code block (```ts, typescript, tsx, mts, cts,
 * js, javascript, jsx, mjs, cjs) of README.md, docs/*.md and examples/**\/README.md, and of the
 * Protekt docs' Node SDK pages, type-checks as a user's project compiles it: against the BUILT
 * declarations (`npm run build` first) under `strict`, `exactOptionalPropertyTypes` and
 * `noUncheckedIndexedAccess`; JavaScript with `checkJs` (untyped parameters allowed). How a block is
 * compiled (_compile.ts):
 *
 * - Each block is a module of its own, compiled with its page's other blocks and the page's prelude
 *   (_preludes.ts): the names a fragment may use without declaring them (`protekt`, `token`…).
 * - A fragment with a `return` outside any function (`if (error) return …`) is the body of an async
 *   function.
 * - A block whose first line is a comment naming a file (`// lib/protekt.js`) is that file, so a
 *   later block of the page can import it.
 *
 * A block of this repository's Markdown that is not meant to compile is marked right before it:
 * `<!-- docs-check: skip — the reason -->`. A skip without a reason fails, and skipped blocks are
 * printed.
 *
 * The Protekt docs are not in this repository: scripts/protekt-doc-snippets.mjs copies their code
 * blocks into protekt-sdk-node.snippets.json, compiled here on every run; when the docs are present
 * (/work/shared/protekt-docs/sdk-node, or $PROTEKT_DOCS_DIR), the copy must be up to date. Their API
 * reference's signature notation is checked as what it states (_signatures.ts). Their code that a
 * sound type refuses is listed below as expected failures (page:line → TypeScript error), each
 * explained in docs/error-handling.md with the line to write instead.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CHECKED_LANGUAGES,
  extractCodeBlocks,
  FIXTURE,
  fixtureText,
  type ProtektSnippets,
  protektDocsDir,
} from '../../scripts/protekt-doc-snippets.mjs';
import { compilePage, type DocBlock, describeDiagnostics, ROOT } from './_compile';
import { PAGE_PRELUDES, preludeOf } from './_preludes';
import { signatureRewrite } from './_signatures';

/**
 * The Protekt docs' code that does not compile against the SDK's types, by `page:line` of the error,
 * with the TypeScript error expected there. Explained in docs/error-handling.md, "The Protekt docs'
 * examples under strict TypeScript".
 */
const PROTEKT_EXPECTED_FAILURES: Record<string, number> = {
  // `loginId: process.env.PROTEKT_LOGIN_ID` (string | undefined) where a string is required
  'overview.md:40': 2322,
  'overview.md:41': 2322,
  'installation.md:14': 2322,
  'installation.md:15': 2322,
  'error-handling.md:151': 2322,
  'error-handling.md:152': 2322,
  // `const { user }` declared twice in one block
  'overview.md:124': 2451,
  'overview.md:127': 2451,
  // `const user: ProtektUser = response.user`: null when the login failed
  'overview.md:162': 2322,
  // `user.metadata.plan` without checking `error`: user is null on failure
  'installation.md:81': 18047,
  // Protekt.mock's verifyToken answering a user without claims, emailVerified, metadata
  'installation.md:110': 2322,
  // `(error.details?.retryAfter ?? …) * 1000`: details values are unknown
  'error-handling.md:112': 2362,
};

const mdIn = (dir: string) =>
  readdirSync(ROOT + dir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `${dir}/${f}`);

/** This repository's pages whose code blocks are checked. */
const PAGES = [
  'README.md',
  ...mdIn('docs'),
  'examples/README.md',
  ...readdirSync(`${ROOT}examples`, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(`${ROOT}examples/${d.name}/README.md`))
    .map((d) => `examples/${d.name}/README.md`)
    .sort(),
];

/** `skip — reason` → the reason; anything else is not something a docs-check comment may say. */
function readDirective(directive: string): { reason: string } | { problem: string } {
  const skip = /^skip\b\s*(?:[—–:-]+\s*)?([\s\S]*)$/.exec(directive);
  if (!skip) return { problem: `unknown docs-check directive "${directive}"` };
  const reason = skip[1]!.trim();
  return reason ? { reason } : { problem: 'a skip without a reason' };
}

const failureMessage = (what: string, problems: string[]) =>
  `${problems.length} problem(s) in the code blocks of ${what}:\n${problems.join('\n')}\n`;

describe('the docs compile against dist/*.d.ts', () => {
  it('the declarations are built', () => {
    for (const entry of ['index.d.ts', 'hono.d.ts', 'testing.d.ts'])
      expect(existsSync(`${ROOT}dist/${entry}`), `dist/${entry} (run npm run build)`).toBe(true);
  });

  it('every page prelude names a page that is checked', () => {
    const fixturePages = new Set(readFixture().pages.map((p) => `protekt:${p}`));
    const unknown = Object.keys(PAGE_PRELUDES).filter(
      (p) => !PAGES.includes(p) && !fixturePages.has(p),
    );
    expect(unknown).toEqual([]);
  });

  it.each(PAGES)('%s', (page) => {
    const problems: string[] = [];
    const checked: DocBlock[] = [];
    const skipped: string[] = [];
    for (const block of extractCodeBlocks(readFileSync(ROOT + page, 'utf8'))) {
      const isChecked = block.lang in CHECKED_LANGUAGES;
      if (block.directive === null) {
        if (isChecked) checked.push({ ...block, page });
        continue;
      }
      const directive = readDirective(block.directive);
      if ('problem' in directive) problems.push(`${page}:${block.line}: ${directive.problem}`);
      else if (!isChecked)
        problems.push(`${page}:${block.line}: a skip before a block that is not checked`);
      else skipped.push(`${page}:${block.line} (${block.lang}) skipped: ${directive.reason}`);
    }
    const { blocks, preludeErrors } = compilePage(page, checked, preludeOf(page));
    problems.push(...preludeErrors.map((e) => `prelude of ${page}: ${e}`));
    for (const compiled of blocks) problems.push(...describeDiagnostics(page, compiled));
    console.info(
      `${page}: ${blocks.length} block(s) compiled, ${skipped.length} skipped` +
        skipped.map((s) => `\n  ${s}`).join(''),
    );
    expect(problems, failureMessage(page, problems)).toEqual([]);
  });
});

function readFixture(): ProtektSnippets {
  return JSON.parse(readFileSync(FIXTURE, 'utf8')) as ProtektSnippets;
}

describe("the Protekt docs' Node SDK pages (test/docs/protekt-sdk-node.snippets.json)", () => {
  const fixture = readFixture();
  const docs = protektDocsDir();

  it.skipIf(!existsSync(docs))(`the copy is up to date with ${docs}`, () => {
    expect(
      fixtureText(docs) === readFileSync(FIXTURE, 'utf8'),
      `${FIXTURE} is out of date: run node scripts/protekt-doc-snippets.mjs`,
    ).toBe(true);
  });

  it('every expected failure is explained in docs/error-handling.md', () => {
    const doc = readFileSync(`${ROOT}docs/error-handling.md`, 'utf8');
    const section = doc.slice(doc.indexOf("## The Protekt docs' examples under strict TypeScript"));
    const missing = Object.keys(PROTEKT_EXPECTED_FAILURES).filter(
      (key) => !section.includes(`\`${key}\``),
    );
    expect(missing).toEqual([]);
  });

  it.each(fixture.pages)('%s', (page) => {
    const blocks: DocBlock[] = fixture.snippets.filter((s) => s.page === page);
    const compiled = compilePage(`protekt/${page}`, blocks, preludeOf(`protekt:${page}`), (b) =>
      signatureRewrite(b),
    );
    const problems = compiled.preludeErrors.map((e) => `prelude of ${page}: ${e}`);
    const seen = new Set<string>();
    for (const block of compiled.blocks) {
      const unexpected = block.diagnostics.filter((d) => {
        const key = `${page}:${d.line}`;
        if (PROTEKT_EXPECTED_FAILURES[key] !== d.code) return true;
        seen.add(key);
        return false;
      });
      problems.push(...describeDiagnostics(page, { ...block, diagnostics: unexpected }));
    }
    for (const [key, code] of Object.entries(PROTEKT_EXPECTED_FAILURES))
      if (key.startsWith(`${page}:`) && !seen.has(key))
        problems.push(`${key}: TS${code} expected here, but it compiles or fails otherwise`);
    const count = (mode: string) => compiled.blocks.filter((b) => b.mode === mode).length;
    const failing = compiled.blocks.filter((b) => b.diagnostics.length > 0).length;
    console.info(
      `protekt ${page}: ${blocks.length} block(s) compiled (${count('module')} as modules, ` +
        `${count('function body')} as function bodies, ${count('signature')} as signatures); ` +
        `${failing} with the expected errors (${[...seen].join(', ') || 'none'})`,
    );
    expect(problems, failureMessage(`the Protekt docs' ${page}`, problems)).toEqual([]);
  });
});

describe('the check itself', () => {
  const block = (line: number, lang: string, code: string): DocBlock => ({
    page: 'self-check.md',
    line,
    lang,
    heading: '',
    code,
  });
  const errors = (blocks: DocBlock[], rewrite = signatureRewrite) =>
    compilePage('self-check.md', blocks, preludeOf('self-check.md'), rewrite).blocks.map((b) => [
      b.mode,
      b.diagnostics.map((d) => [d.line, d.code]),
    ]);

  it('reports each error at its line of the page', () => {
    expect(
      errors([
        block(10, 'ts', "const n: number = 'one';"),
        block(
          20,
          'ts',
          'const { error } = await protekt.auth.verifyToken(token);\n' +
            'if (error) return error.code;\nconst s: string = 1;',
        ),
        block(
          30,
          'js',
          'export const f = (req) => req.x;\n' +
            'const { user } = await protekt.auth.verifyToken(token);\nuser.id;',
        ),
        block(40, 'ts', '// lib/client.ts\nexport const client = protekt;'),
        block(50, 'ts', "import { client } from './lib/client';\nclient.sessions.list(1);"),
      ]),
    ).toEqual([
      ['module', [[11, 2322]]],
      ['function body', [[23, 2322]]],
      ['module', [[33, 18047]]],
      ['module', []],
      ['module', [[52, 2345]]],
    ]);
  });

  it('checks a signature: the method, its parameter types and its result fields', () => {
    const sig = (code: string) => block(1, 'ts', code);
    expect(
      errors([
        sig(
          'protekt.sessions.revokeAll(accessToken: string, params?: {\n' +
            '  keepCurrent?: boolean;\n}): Promise<{ revokedCount, error }>',
        ),
        sig('protekt.sessions.list(accessToken: number): Promise<{ sessions, error }>'),
        sig('protekt.sessions.list(accessToken: string): Promise<{ session, error }>'),
        sig('protekt.sessions.lists(accessToken: string): Promise<{ sessions, error }>'),
        sig(
          'protekt.mfa.generateBackupCodes(accessToken: string): ' +
            'Promise<{ backupCodes: number[], error }>',
        ),
        sig('protekt.auth.getLoginUrl(params?: { redirectUrl?: string }): number'),
      ]).map(([mode, d]) => [mode, (d as number[][]).map(([, code]) => code)]),
    ).toEqual([
      ['signature', []],
      ['signature', [2345]],
      ['signature', [2339]],
      ['signature', [2551]],
      ['signature', [2322]],
      ['signature', [2322]],
    ]);
  });

  it('reads a docs-check comment', () => {
    expect(readDirective('skip — a shell session, not code')).toEqual({
      reason: 'a shell session, not code',
    });
    expect(readDirective('skip')).toEqual({ problem: 'a skip without a reason' });
    expect(readDirective('skpi — typo')).toHaveProperty('problem');
    const [marked] = extractCodeBlocks(
      '## A\n<!-- docs-check: skip — pseudo-code -->\n\n```ts\nnot code\n```\n',
    );
    expect(marked).toEqual({
      line: 4,
      lang: 'ts',
      heading: 'A',
      code: 'not code',
      directive: 'skip — pseudo-code',
    });
  });
});
