/**
 * Strict parsing of a JWS in compact serialisation (RFC 7515 §7.1) and the header rules of
 * Protekt access tokens. Nothing here is cryptographic: it only decides whether a string is
 * shaped like a token worth verifying, and which key and algorithm it claims.
 */
import { decodeBase64url, decodeBase64urlText } from '../util/base64url.js';
import { invalidToken, type TokenFailure } from './token-failure.js';
import { isRecord } from '../util/record.js';

/** Signature algorithms a Protekt key can pin. */
export type JwsAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

/** The protected header fields the verifier uses. */
export interface JwsHeader {
  /** The algorithm the token claims; must equal the one its key pins. */
  alg: JwsAlgorithm;
  /** Key id: only ever used to look a key up in the cached key set. */
  kid: string;
}

/** A compact JWS split and decoded, not yet verified. */
export interface ParsedJws {
  /** Header fields that were checked. */
  header: JwsHeader;
  /** `BASE64URL(header) '.' BASE64URL(payload)`, the bytes the signature covers. */
  signingInput: string;
  /** The payload segment, still encoded (decoded only once the signature holds). */
  payloadSegment: string;
  /** The raw signature bytes. */
  signature: Uint8Array;
  /** The signature segment, still encoded (a stable per-token key for caches). */
  signatureSegment: string;
}

// Header parameters that carry or point at a key, or would change how the token is processed.
// Accepting any of them would let the token choose its own key: they are refused outright.
const KEY_BEARING = ['jwk', 'jku', 'x5u', 'x5c'] as const;

/** Longest `kid` looked up. Longer ones cannot name a Protekt key. */
const MAX_KID_LENGTH = 256;

// The ends of messages: what to do with a string that is not a token as issued, and which
// algorithms are accepted.
const AS_ISSUED = 'pass the access token as Protekt issued it.';
const ALGS = 'only RS256, ES256 and EdDSA are accepted.';

/**
 * Splits and checks a compact JWS. Returns the parsed token, or a {@link TokenFailure} naming the
 * rule that was broken (never the token or an attacker-controlled value).
 */
export function parseCompactJws(token: string): ParsedJws | TokenFailure {
  const first = token.indexOf('.');
  // With no dot at all, this finds none either.
  const second = token.indexOf('.', first + 1);
  if (second === -1 || token.indexOf('.', second + 1) !== -1) {
    return invalidToken(
      'malformed',
      `The token is not a JWS (three base64url parts): ${AS_ISSUED}`,
    );
  }
  if (first === 0 || second === first + 1)
    return invalidToken('malformed', `The token's header or payload part is empty: ${AS_ISSUED}`);

  const headerSegment = token.slice(0, first);
  const header = headers?.get(headerSegment) ?? parseHeader(headerSegment);
  if ('code' in header) return header;

  const signatureSegment = token.slice(second + 1);
  if (signatureSegment === '')
    return invalidToken(
      'signature',
      'The token has no signature: Protekt access tokens are always signed.',
    );
  const signature = decodeBase64url(signatureSegment);
  if (signature === null)
    return invalidToken('malformed', `The token's signature part is not base64url: ${AS_ISSUED}`);

  return {
    header,
    signingInput: token.slice(0, second),
    payloadSegment: token.slice(first + 1, second),
    signature,
    signatureSegment,
  };
}

// Every token signed by one key has the same header segment, so accepted headers are remembered
// by their exact text: the hot path skips decoding and re-checking them. Bounded; rebuilt when
// full.
const MAX_HEADERS = 64;
let headers: Map<string, JwsHeader> | undefined;

/**
 * Decodes a header or payload segment: base64url of a UTF-8 JSON object. Returns the object
 * (wrapped: it may well have a member named `code`) or a failure naming the part. The header is
 * decoded strictly; the payload only once the signature over its exact text holds.
 */
export function decodeSegment(
  segment: string,
  part: 'header' | 'payload',
): { json: Record<string, unknown> } | TokenFailure {
  const text = decodeBase64urlText(segment, part === 'payload');
  let why = 'base64url';
  if (text !== null) {
    try {
      const json: unknown = JSON.parse(text);
      why = 'a JSON object';
      if (isRecord(json)) {
        if (part === 'header' || !nestsDeeper(json, MAX_PAYLOAD_DEPTH)) return { json };
        why = `JSON nested at most ${MAX_PAYLOAD_DEPTH} levels deep`;
      }
    } catch {
      why = 'JSON';
    }
  }
  return invalidToken('malformed', `The token's ${part} part is not ${why}: ${AS_ISSUED}`);
}

/**
 * Deepest nesting of a payload, the payload object itself being level 1. Claims are walked after
 * verification (frozen, copied into metadata, quoted in debug lines); a walk that recurses would
 * throw a RangeError on a 100,000-deep payload, which JSON.parse itself reads without complaint.
 */
const MAX_PAYLOAD_DEPTH = 64;

/** Whether a parsed JSON value nests deeper than `max` levels: walked with a stack, not recursion. */
function nestsDeeper(root: object, max: number): boolean {
  const stack: [object, number][] = [[root, 1]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [value, depth] = item;
    if (depth > max) return true;
    const children = Array.isArray(value) ? value : Object.values(value);
    for (const child of children)
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

function parseHeader(segment: string): JwsHeader | TokenFailure {
  const decoded = decodeSegment(segment, 'header');
  if ('code' in decoded) return decoded;
  const header = checkHeader(decoded.json);
  if (!('code' in header)) {
    headers ??= new Map();
    if (headers.size >= MAX_HEADERS) headers.clear();
    headers.set(segment, Object.freeze(header));
  }
  return header;
}

function checkHeader(h: Record<string, unknown>): JwsHeader | TokenFailure {
  const alg = h.alg;
  if (typeof alg !== 'string') return invalidToken('alg', `The token header has no alg: ${ALGS}`);
  if (alg.toLowerCase() === 'none')
    return invalidToken('alg', `The token is unsigned (alg "none"): ${ALGS}`);
  if (alg.startsWith('HS'))
    return invalidToken('alg', `The token's alg header is a shared-secret one (HS*): ${ALGS}`);
  if (alg !== 'RS256' && alg !== 'ES256' && alg !== 'EdDSA')
    return invalidToken('alg', `The token's alg header is not supported: ${ALGS}`);

  for (const name of KEY_BEARING) {
    if (h[name] !== undefined) {
      return invalidToken(
        'header_key',
        `The token header carries a key ("${name}"): keys come only from the JWKS.`,
      );
    }
  }
  if (h.crit !== undefined)
    return invalidToken('crit', 'The token header has "crit": Protekt access tokens never do.');

  const typ = h.typ;
  if (typ !== undefined) {
    const t = typeof typ === 'string' ? typ.toLowerCase() : '';
    if (t !== 'jwt' && t !== 'at+jwt')
      return invalidToken(
        'typ',
        "The token's typ is neither JWT nor at+jwt: this is not a Protekt access token.",
      );
  }

  const kid = h.kid;
  if (typeof kid !== 'string' || kid === '' || kid.length > MAX_KID_LENGTH) {
    return invalidToken(
      'kid',
      'The token header has no usable kid: Protekt access tokens always name their key.',
    );
  }
  return { alg, kid };
}
