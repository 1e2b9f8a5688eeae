/**
 * The hot-path decoder (native atob after a strict alphabet check) must agree exactly with the
 * reference strict decoder of util/base64url.ts: same bytes, same refusals.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binaryFromBase64url, bytesFromBase64url, textFromBase64url } from '../../src/tokens/b64.js';
import { decodeBase64url, decodeBase64urlText, encodeBase64url } from '../../src/util/base64url.js';

const CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= \n.é\u0000'.split('');

describe('strict base64url on the hot path', () => {
  it('agrees with the reference decoder on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 64 }), fc.string({ maxLength: 64 })), (s) => {
        const ours = bytesFromBase64url(s);
        const ref = decodeBase64url(s);
        expect(ours === null ? null : Array.from(ours)).toEqual(ref === null ? null : Array.from(ref));
        expect(textFromBase64url(s)).toBe(decodeBase64urlText(s));
      }),
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
          if (twin !== text[text.length - 1]) expect(binaryFromBase64url(text.slice(0, -1) + twin)).toBeNull();
        }
      }),
      { numRuns: 5_000 },
    );
  });

  it('refuses padding, whitespace and the standard alphabet', () => {
    for (const s of ['QQ==', 'QQ=', 'Q Q', 'QQ\n', 'a+b/', 'A', 'AAAAA']) expect(binaryFromBase64url(s)).toBeNull();
    expect(binaryFromBase64url('')).toBe('');
    expect(textFromBase64url('_-8')).toBeNull(); // invalid UTF-8
    expect(textFromBase64url('w6k')).toBe('é');
  });
});
