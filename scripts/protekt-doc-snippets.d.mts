/** Types of scripts/protekt-doc-snippets.mjs (imported by test/docs/docs-compile.test.ts). */

/** A fenced code block of a Markdown page. */
export interface CodeBlock {
  /** 1-based line of the opening fence. */
  line: number;
  /** The info string's first word, lower case ('' when none). */
  lang: string;
  /** The nearest heading above the block ('' when none). */
  heading: string;
  /** The block's text, the fence's indentation removed. */
  code: string;
  /** Text of a `<!-- docs-check: … -->` comment on the last non-blank line before the fence. */
  directive: string | null;
}
/** One block of the fixture. */
export interface ProtektSnippet {
  page: string;
  heading: string;
  line: number;
  lang: string;
  code: string;
}
/** The fixture file, test/docs/protekt-sdk-node.snippets.json. */
export interface ProtektSnippets {
  source: string;
  generatedBy: string;
  checkedBy: string;
  pages: string[];
  snippets: ProtektSnippet[];
}
export declare const CHECKED_LANGUAGES: Readonly<Record<string, string>>;
export declare const FIXTURE: string;
export declare const DEFAULT_DOCS_DIR: string;
export declare function protektDocsDir(): string;
export declare function extractCodeBlocks(markdown: string): CodeBlock[];
export declare function protektSnippets(dir: string): ProtektSnippets;
export declare function fixtureText(dir: string): string;
