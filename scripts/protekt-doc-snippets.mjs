#!/usr/bin/env node
// Extracts the TypeScript/JavaScript code blocks of the Protekt docs' Node SDK pages
// (`sdk-node/*.md`, the public documentation this package implements) into the committed fixture
// test/docs/protekt-sdk-node.snippets.json, which test/docs/docs-compile.test.ts type-checks against
// the built declarations on every run (CI has no copy of the Protekt docs).
//
//   node scripts/protekt-doc-snippets.mjs [--docs <dir>] [--check]
//
// <dir> is the Protekt docs' `sdk-node` folder: `--docs`, else $PROTEKT_DOCS_DIR, else
// /work/shared/protekt-docs/sdk-node. `--check` writes nothing and exits 1 when the fixture is out
// of date. The code is recorded exactly as the pages write it (those pages already name the
// package `@protekt/node`; the test resolves that name to dist/). The extraction below is also the
// one the test uses for this repository's own Markdown.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Fence languages that are type-checked, and the file extension each block is compiled as. */
export const CHECKED_LANGUAGES = {
  ts: '.ts',
  typescript: '.ts',
  tsx: '.tsx',
  mts: '.mts',
  cts: '.cts',
  js: '.js',
  javascript: '.js',
  jsx: '.jsx',
  mjs: '.mjs',
  cjs: '.cjs',
};

export const FIXTURE = fileURLToPath(
  new URL('../test/docs/protekt-sdk-node.snippets.json', import.meta.url),
);
export const DEFAULT_DOCS_DIR = '/work/shared/protekt-docs/sdk-node';

/** The Protekt docs' `sdk-node` folder: `$PROTEKT_DOCS_DIR`, else the default location. */
export function protektDocsDir() {
  return process.env.PROTEKT_DOCS_DIR || DEFAULT_DOCS_DIR;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const HEADING = /^#{1,6}\s+(.*?)(?:\s+#+)?\s*$/;
const DIRECTIVE = /^\s*<!--\s*docs-check:([\s\S]*?)-->\s*$/;

/**
 * Every fenced code block of a Markdown text: `line` (1-based, of the opening fence), `lang` (the
 * info string's first word, lower case), `heading` (the nearest heading above it, '' if none),
 * `code` (indentation of the fence removed), and `directive`: the text of a
 * `<!-- docs-check: … -->` comment on the last non-blank line before the fence, else null.
 */
export function extractCodeBlocks(markdown) {
  const lines = markdown.split(/\r?\n/);
  const blocks = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) {
      const h = HEADING.exec(lines[i]);
      if (h) heading = h[1];
      continue;
    }
    const [, indent, fence, lang] = open;
    const body = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = lines[j].trim();
      if (close.startsWith(fence[0].repeat(fence.length)) && /^(`+|~+)$/.test(close)) break;
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
    }
    let k = i - 1;
    while (k >= 0 && lines[k].trim() === '') k--;
    const directive = k >= 0 ? DIRECTIVE.exec(lines[k]) : null;
    blocks.push({
      line: i + 1,
      lang: lang.toLowerCase(),
      heading,
      code: body.join('\n'),
      directive: directive ? directive[1].trim() : null,
    });
    i = j;
  }
  return blocks;
}

/** The fixture's content for the pages of `dir`: only the blocks of a checked language. */
export function protektSnippets(dir) {
  const pages = readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort();
  const snippets = [];
  for (const page of pages) {
    for (const block of extractCodeBlocks(readFileSync(join(dir, page), 'utf8'))) {
      if (!(block.lang in CHECKED_LANGUAGES)) continue;
      const { line, heading, lang, code } = block;
      snippets.push({ page, heading, line, lang, code });
    }
  }
  return {
    source:
      'The Protekt documentation, Node.js SDK pages (sdk-node/*.md): the public docs of the Protekt ' +
      'Authentication API that @protekt/node implements. Code blocks copied verbatim, each with ' +
      'its page, the heading it sits under and the line of its opening fence.',
    generatedBy: 'node scripts/protekt-doc-snippets.mjs (re-run it when the Protekt docs change)',
    checkedBy: 'test/docs/docs-compile.test.ts',
    pages,
    snippets,
  };
}

/** The fixture file's text for `dir` (stable: no timestamps). */
export function fixtureText(dir) {
  return `${JSON.stringify(protektSnippets(dir), null, 2)}\n`;
}

function main(args) {
  const at = args.indexOf('--docs');
  const dir = at >= 0 ? args[at + 1] : protektDocsDir();
  if (!dir || !existsSync(dir)) {
    console.error(`No Protekt docs at ${dir}: pass --docs <sdk-node folder>`);
    process.exit(2);
  }
  const text = fixtureText(dir);
  const current = existsSync(FIXTURE) ? readFileSync(FIXTURE, 'utf8') : '';
  if (args.includes('--check')) {
    if (text !== current) {
      console.error(`${FIXTURE} is out of date: run node scripts/protekt-doc-snippets.mjs`);
      process.exit(1);
    }
    console.log('up to date');
    return;
  }
  writeFileSync(FIXTURE, text);
  const { snippets, pages } = JSON.parse(text);
  console.log(
    `${snippets.length} code blocks from ${pages.length} pages of ${dir} → ${FIXTURE}` +
      (text === current ? ' (unchanged)' : ''),
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2));
}
