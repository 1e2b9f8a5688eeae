/**
 * The Protekt docs' API reference writes each method in a signature notation that is not
 * TypeScript:
 *
 *   protekt.auth.changePassword({
 *     currentPassword: string;
 *     newPassword: string;
 *   }, accessToken: string): Promise<{ error }>
 *
 * Such a block is checked as what it states: the method exists on a `Protekt` client, accepts
 * arguments of the documented types at the documented positions, and resolves to a result that has
 * every documented field (a field written with a type, `backupCodes: string[]`, has that type once
 * `error` is null). The block above becomes:
 *
 *   declare const arg0: { currentPassword: string; newPassword: string; };
 *   declare const arg1: string;
 *   const result = await protekt.auth.changePassword(arg0, arg1);
 *   const { error } = result;
 *
 * Errors are reported at the block's first line. A block that does not read as a signature is
 * compiled as code.
 */
import type { DocBlock, Rewrite } from './_compile';

const HEAD = /^\s*(protekt\.\w+\.\w+)\(/;

/** Splits at the commas that are not nested in brackets, braces, parentheses or angles. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if ('{[(<'.includes(ch)) depth++;
    else if ('}])>'.includes(ch) && !(ch === '>' && text[i - 1] === '=')) depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** Index of the parenthesis that closes the one at `open`. */
function closing(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

/** The check a signature block stands for, or null when the block is not one. */
export function signatureRewrite(block: DocBlock): Rewrite | null {
  // Trailing comment lines (`// error.code === 'mfa_required' → …`) are prose.
  const code = block.code.replace(/(\n\s*\/\/[^\n]*)+\s*$/, '').trim();
  const head = HEAD.exec(code);
  if (!head) return null;
  const open = code.indexOf('(');
  const close = closing(code, open);
  if (close < 0) return null;
  const returns = /^\s*:\s*([\s\S]+)$/.exec(code.slice(close + 1))?.[1]?.trim();
  if (!returns) return null;

  const lines: string[] = [`// ${block.page}:${block.line}, ${head[1]}`];
  const args: string[] = [];
  for (const [i, param] of splitTopLevel(code.slice(open + 1, close)).entries()) {
    const named = /^(\w+)(\?)?\s*:\s*([\s\S]+)$/.exec(param);
    if (!named && !param.startsWith('{')) return null;
    const type = named ? named[3]! : param;
    const optional = named?.[2] === '?';
    lines.push(`declare const arg${i}: ${type}${optional ? ' | undefined' : ''};`);
    args.push(`arg${i}`);
  }
  const call = `${head[1]}(${args.join(', ')})`;
  const promised = /^Promise<\s*\{([\s\S]*)\}\s*>$/.exec(returns);
  if (!promised) {
    lines.push(`const result: ${returns} = ${call};`);
  } else {
    const fields = splitTopLevel(promised[1]!).map((f) => {
      const typed = /^(\w+)\s*:\s*([\s\S]+)$/.exec(f);
      return typed ? { name: typed[1]!, type: typed[2]! } : { name: f, type: null };
    });
    if (fields.some((f) => !/^\w+$/.test(f.name))) return null;
    lines.push(`const result = await ${call};`);
    lines.push(`const { ${fields.map((f) => f.name).join(', ')} } = result;`);
    for (const f of fields.filter((f) => f.type !== null && f.name !== 'error'))
      lines.push(`if (result.error === null) { const ${f.name}_: ${f.type} = result.${f.name}; }`);
  }
  return { mode: 'signature', text: lines.join('\n'), lineOf: () => 0 };
}
