/**
 * The package's strict base64url decoders (a table-driven pass for bytes; `atob` for a signed
 * segment's text) must agree exactly with an independent reference: a plain decoder written here
 * from RFC 4648 — same bytes, same refusals; the signed path the same text on every valid input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeBase64url as bytesFromBase64url,
  decodeBase64urlText as textFromBase64url,
  encodeBase64url,
} from '../../src/util/base64url.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

// Reference: strict RFC 4648 §5 decoding, one character at a time.
function decodeBase64url(text: string): Uint8Array | null {
  if (text.length % 4 === 1) return null;
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0 || ch.length !== 1) return null;
    value = (value << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 255);
    }
  }
  if ((value & ((1 << bits) - 1)) !== 0) return null; // non-canonical trailing bits
  return Uint8Array.from(out);
}

function decodeBase64urlText(text: string): string | null {
  const bytes = decodeBase64url(text);
  if (!bytes) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

const CHARS =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= \n.é\u0000'.split('');

describe('strict base64url on the hot path', () => {
  it('agrees with the reference decoder on arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 64 }),
          fc.string({ maxLength: 64 }),
        ),
        (s) => {
          const ours = bytesFromBase64url(s);
          const ref = decodeBase64url(s);
          expect(ours === null ? null : Array.from(ours)).toEqual(
            ref === null ? null : Array.from(ref),
          );
          const text = decodeBase64urlText(s);
          expect(textFromBase64url(s)).toBe(text);
          // A signed segment skips the strict scan; on anything strictly valid it reads the same
          // text.
          if (ref !== null) expect(textFromBase64url(s, true)).toBe(text);
          if (/[\s=]/.test(s)) expect(textFromBase64url(s, true)).toBeNull();
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('round-trips every byte array and refuses every non-canonical twin', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = encodeBase64url(bytes);
        expect(Array.from(bytesFromBase64url(text)!)).toEqual(Array.from(bytes));
        const rest = text.length % 4;
        if (rest !== 0) {
          const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
          const last = alphabet.indexOf(text[text.length - 1]!);
          const twin = alphabet[last | 1]!;
          if (twin !== text[text.length - 1])
            expect(bytesFromBase64url(text.slice(0, -1) + twin)).toBeNull();
        }
      }),
      { numRuns: 5_000 },
    );
  });

  it('refuses padding, whitespace and the standard alphabet', () => {
    for (const s of ['QQ==', 'QQ=', 'Q Q', 'QQ\n', 'a+b/', 'A', 'AAAAA', 'QQ\u0100', '\u0141QQQ']) {
      expect(bytesFromBase64url(s)).toBeNull();
      expect(textFromBase64url(s)).toBeNull();
    }
    expect(Array.from(bytesFromBase64url('')!)).toEqual([]);
    for (const signed of [false, true]) {
      expect(textFromBase64url('_-8', signed)).toBeNull(); // invalid UTF-8
      expect(textFromBase64url('w6k', signed)).toBe('é');
      expect(textFromBase64url('4pyTIMOgIGxhIG1vZGU', signed)).toBe('✓ à la mode');
    }
  });
});
