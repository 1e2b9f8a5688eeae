/**
 * Type-checks Markdown code blocks as a user's strict project compiles them: each block is a
 * virtual module file of an in-memory CompilerHost, one program per page (the page's blocks plus
 * its prelude), against the BUILT declarations (dist/*.d.ts, through `paths`) and the packages
 * installed in node_modules (hono, @types/node). See docs-compile.test.ts for the rules.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { CHECKED_LANGUAGES } from '../../scripts/protekt-doc-snippets.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A code block to compile. `line` is the line of its opening fence in `page`. */
export interface DocBlock {
  page: string;
  line: number;
  lang: string;
  heading: string;
  code: string;
}

/** How a block was compiled. */
export type BlockMode =
  /** as written, a module of its own */
  | 'module'
  /** a fragment with a top-level `return`: the body of an async function */
  | 'function body'
  /** a signature in the reference notation, turned into a call (see _signatures.ts) */
  | 'signature';

/** An error TypeScript reports in a block, at a line of the Markdown page. */
export interface DocDiagnostic {
  line: number;
  code: number;
  text: string;
}

export interface CompiledBlock {
  block: DocBlock;
  mode: BlockMode;
  diagnostics: DocDiagnostic[];
}

/** What a block becomes before it is compiled, when it is not compiled as written. */
export interface Rewrite {
  mode: BlockMode;
  text: string;
  /** Where its diagnostics are reported: by default, the line they fall on. */
  lineOf?: (lineInText: number) => number;
}

/**
 * Compiler options of a user's strict project (those of test/types): TypeScript blocks. JavaScript
 * blocks are checked too (`checkJs`), with the same options but `noImplicitAny`: a JavaScript
 * reader has no annotation to add, so an untyped parameter (`req`, `res`) is `any` for them as it
 * is in an editor; everything else (null checks, unknown names and members, wrong arguments)
 * is reported as in TypeScript.
 */
export const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  moduleDetection: ts.ModuleDetectionKind.Force,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  types: ['node'],
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  allowJs: true,
  checkJs: true,
  skipLibCheck: true,
  noEmit: true,
  paths: {
    '@protekt/node': [`${ROOT}dist/index.d.ts`],
    '@protekt/node/hono': [`${ROOT}dist/hono.d.ts`],
    '@protekt/node/express': [`${ROOT}dist/express.d.ts`],
    '@protekt/node/fastify': [`${ROOT}dist/fastify.d.ts`],
    '@protekt/node/next': [`${ROOT}dist/next.d.ts`],
    '@protekt/node/nestjs': [`${ROOT}dist/nestjs.d.ts`],
    '@protekt/node/testing': [`${ROOT}dist/testing.d.ts`],
  },
};
export const JS_COMPILER_OPTIONS: ts.CompilerOptions = {
  ...COMPILER_OPTIONS,
  noImplicitAny: false,
};

const TS_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts'];
const isTs = (ext: string) => TS_EXTENSIONS.includes(ext);
const isJs = (file: string) => !isTs(file.slice(file.lastIndexOf('.')));

/** Source files of lib, node_modules and dist, parsed once for every page. */
const realFiles = new Map<string, ts.SourceFile>();

/**
 * `// lib/protekt.js` as a block's first line names the file the block is, so that another block of
 * the page can import it (`import { protekt } from './lib/protekt.js'`).
 */
const NAMED_FILE = /^\/\/\s*((?:\.{0,2}\/)?[\w-]+(?:\/[\w.-]+)*\.(?:[mc]?[jt]sx?))(?:\s|$)/;

/** Whether a `return` is reached outside any function: then the block is a function body. */
function hasTopLevelReturn(code: string, ext: string): boolean {
  const file = ts.createSourceFile(`x${ext}`, code, ts.ScriptTarget.ES2022, true);
  const visit = (node: ts.Node): boolean => {
    if (ts.isReturnStatement(node)) return true;
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return false;
    return ts.forEachChild(node, visit) ?? false;
  };
  const hasImport = file.statements.some(
    (s) => ts.isImportDeclaration(s) || ts.isImportEqualsDeclaration(s),
  );
  return !hasImport && file.statements.some(visit);
}

/** What a page's blocks may use besides the packages: see _preludes.ts. */
export interface Prelude {
  /** Global declarations (a script `.d.ts`). */
  globals: string;
  /** Stand-in modules a block imports relatively (`./jwks-cache` → `jwks-cache.d.ts`), by name. */
  modules: Record<string, string>;
}

/** A block as a virtual file. */
interface Entry {
  file: string;
  block: DocBlock;
  rewrite: Rewrite;
}

/** The file a block is: `L<line>.<ext>` in the page's directory, or the file its first line names. */
function fileOf(block: DocBlock, dir: string, ext: string, taken: Map<string, string>): string {
  const named = NAMED_FILE.exec(block.code)?.[1];
  if (named && isTs(ext) === isTs(named.slice(named.lastIndexOf('.')))) {
    const path = resolve(dir, named);
    if (path.startsWith(dir) && !taken.has(path)) return path;
  }
  let file = `${dir}L${block.line}${ext}`;
  for (let n = 2; taken.has(file); n++) file = `${dir}L${block.line}-${n}${ext}`;
  return file;
}

/** The page's virtual files: prelude, stand-in modules, then one per block. */
function virtualFiles(
  dir: string,
  blocks: DocBlock[],
  prelude: Prelude,
  rewrite: (block: DocBlock) => Rewrite | null,
): { virtual: Map<string, string>; entries: Entry[]; preludeFiles: string[] } {
  const virtual = new Map<string, string>([[`${dir}prelude.d.ts`, prelude.globals]]);
  for (const [name, text] of Object.entries(prelude.modules)) virtual.set(dir + name, text);
  const preludeFiles = [...virtual.keys()];
  const entries: Entry[] = [];
  for (const block of blocks) {
    const ext = CHECKED_LANGUAGES[block.lang];
    if (!ext)
      throw new Error(`${block.page}:${block.line}: not a checked language (${block.lang})`);
    const file = fileOf(block, dir, ext, virtual);
    const given = rewrite(block);
    const functionBody = !given && hasTopLevelReturn(block.code, ext);
    const chosen: Rewrite = given ?? {
      mode: functionBody ? 'function body' : 'module',
      // The wrapper opens on the first line and closes after the last: lines stay where they are.
      text: functionBody ? `async function docFragment() {${block.code}\n}` : block.code,
    };
    virtual.set(file, chosen.text);
    entries.push({ file, block, rewrite: chosen });
  }
  return { virtual, entries, preludeFiles };
}

/** A CompilerHost that serves the virtual files and reads everything else from disk. */
function inMemoryHost(virtual: Map<string, string>): ts.CompilerHost {
  const dirs = new Set<string>();
  for (const file of virtual.keys())
    for (let d = file.slice(0, file.lastIndexOf('/')); d.length >= ROOT.length; ) {
      dirs.add(d);
      d = d.slice(0, d.lastIndexOf('/'));
    }
  const base = ts.createCompilerHost(COMPILER_OPTIONS, true);
  return {
    ...base,
    getCurrentDirectory: () => ROOT,
    fileExists: (f) => virtual.has(f) || base.fileExists(f),
    readFile: (f) => virtual.get(f) ?? base.readFile(f),
    directoryExists: (d) =>
      dirs.has(d.replace(/\/$/, '')) || (base.directoryExists ?? ts.sys.directoryExists)(d),
    getSourceFile: (f, languageVersion, onError) => {
      const text = virtual.get(f);
      if (text !== undefined) return ts.createSourceFile(f, text, languageVersion, true);
      let file = realFiles.get(f);
      if (!file) {
        file = base.getSourceFile(f, languageVersion, onError);
        if (file) realFiles.set(f, file);
      }
      return file;
    },
  };
}

const format = (d: ts.Diagnostic) => ts.flattenDiagnosticMessageText(d.messageText, '\n');
const errorsOf = (program: ts.Program, file: ts.SourceFile) =>
  [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].filter(
    (d) => d.category === ts.DiagnosticCategory.Error,
  );

/**
 * The blocks of one page compiled together with its prelude, each block a module of its own:
 * one program for the TypeScript blocks, one for the JavaScript ones (their options differ).
 * `rewrite` may turn a block into other code (signatures).
 */
export function compilePage(
  pageKey: string,
  blocks: DocBlock[],
  prelude: Prelude,
  rewrite: (block: DocBlock) => Rewrite | null = () => null,
): { blocks: CompiledBlock[]; preludeErrors: string[] } {
  const dir = `${ROOT}.docs-check/${pageKey}/`;
  const { virtual, entries, preludeFiles } = virtualFiles(dir, blocks, prelude, rewrite);
  const host = inMemoryHost(virtual);
  const programs = new Map<boolean, ts.Program>();
  const programOf = (js: boolean): ts.Program => {
    let program = programs.get(js);
    if (!program) {
      const rootNames = [
        ...preludeFiles,
        ...entries.filter((e) => isJs(e.file) === js).map((e) => e.file),
      ];
      const options = js ? JS_COMPILER_OPTIONS : COMPILER_OPTIONS;
      program = ts.createProgram({ rootNames, options, host });
      programs.set(js, program);
    }
    return program;
  };

  const program = programOf(false);
  const preludeErrors = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...preludeFiles.flatMap((f) => errorsOf(program, program.getSourceFile(f)!)),
  ].map((d) => {
    const line = d.file ? d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1 : 0;
    return `${d.file ? `${d.file.fileName.slice(dir.length)}:${line} ` : ''}TS${d.code} ${format(d)}`;
  });

  const compiled = entries.map(({ file, block, rewrite }): CompiledBlock => {
    const program = programOf(isJs(file));
    const source = program.getSourceFile(file)!;
    const lineOf = rewrite.lineOf ?? ((lineInText: number) => lineInText);
    const diagnostics = errorsOf(program, source).map((d) => {
      const lineInText = source.getLineAndCharacterOfPosition(d.start ?? 0).line;
      return { line: block.line + 1 + lineOf(lineInText), code: d.code, text: format(d) };
    });
    return { block, mode: rewrite.mode, diagnostics };
  });
  return { blocks: compiled, preludeErrors };
}

/** One line per diagnostic: `page:line TS2322 message` (first line of the message). */
export function describeDiagnostics(page: string, compiled: CompiledBlock): string[] {
  return compiled.diagnostics.map(
    (d) =>
      `${page}:${d.line} (${compiled.block.lang} block at line ${compiled.block.line}, ` +
      `${compiled.mode}) TS${d.code} ${d.text.split('\n').join(' / ')}`,
  );
}
