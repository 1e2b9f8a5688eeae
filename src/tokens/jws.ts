/**
 * Strict parsing of a JWS in compact serialisation (RFC 7515 §7.1) and the header rules of
 * Protekt access tokens. Nothing here is cryptographic: it only decides whether a string is
 * shaped like a token worth verifying, and which key and algorithm it claims.
 */
import { decodeBase64url, decodeBase64urlText } from '../util/base64url.js';
import { type Failure, invalid } from './failure.js';
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

/**
 * Splits and checks a compact JWS. Returns the parsed token, or a {@link Failure} naming the
 * rule that was broken (never the token or an attacker-controlled value).
 */
export function parseCompactJws(token: string): ParsedJws | Failure {
  const first = token.indexOf('.');
  // With no dot at all, this finds none either.
  const second = token.indexOf('.', first + 1);
  if (second === -1 || token.indexOf('.', second + 1) !== -1) {
    return invalid('malformed', 'The token is not a compact JWS (3 parts).');
  }
  if (first === 0 || second === first + 1) return invalid('malformed', 'The token header or payload is empty.');

  const headerSegment = token.slice(0, first);
  const header = headers?.get(headerSegment) ?? parseHeader(headerSegment);
  if ('code' in header) return header;

  const signatureSegment = token.slice(second + 1);
  if (signatureSegment === '') return invalid('signature', 'The token has no signature.');
  const signature = decodeBase64url(signatureSegment);
  if (signature === null) return invalid('malformed', 'The token signature is not base64url.');

  return {
    header,
    signingInput: token.slice(0, second),
    payloadSegment: token.slice(first + 1, second),
    signature,
    signatureSegment,
  };
}

// Every token signed by one key has the same header segment, so accepted headers are remembered
// by their exact text: the hot path skips decoding and re-checking them. Bounded; rebuilt when full.
const MAX_HEADERS = 64;
let headers: Map<string, JwsHeader> | undefined;

/**
 * Decodes a header or payload segment: base64url of a UTF-8 JSON object. Returns the object
 * (wrapped: it may well have a member named `code`) or a failure naming the part. The header is
 * decoded strictly; the payload only once the signature over its exact text holds.
 */
export function decodeSegment(segment: string, part: 'header' | 'payload'): { json: Record<string, unknown> } | Failure {
  const text = decodeBase64urlText(segment, part === 'payload');
  let why = 'base64url';
  if (text !== null) {
    try {
      const json: unknown = JSON.parse(text);
      if (isRecord(json)) return { json };
      why = 'a JSON object';
    } catch {
      why = 'JSON';
    }
  }
  return invalid('malformed', `The token ${part} is not ${why}.`);
}

function parseHeader(segment: string): JwsHeader | Failure {
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

function checkHeader(h: Record<string, unknown>): JwsHeader | Failure {
  const alg = h.alg;
  if (typeof alg !== 'string') return invalid('alg', 'The token has no alg.');
  if (alg.toLowerCase() === 'none') return invalid('alg', 'The token is unsigned (alg "none").');
  if (alg.startsWith('HS')) return invalid('alg', 'The token alg is symmetric (HS*).');
  if (alg !== 'RS256' && alg !== 'ES256' && alg !== 'EdDSA') return invalid('alg', 'The token alg is not supported.');

  for (const name of KEY_BEARING) {
    if (h[name] !== undefined) return invalid('header_key', `The token header carries a key ("${name}").`);
  }
  if (h.crit !== undefined) return invalid('crit', 'The token header has "crit".');

  const typ = h.typ;
  if (typ !== undefined) {
    const t = typeof typ === 'string' ? typ.toLowerCase() : '';
    if (t !== 'jwt' && t !== 'at+jwt') return invalid('typ', 'The token typ is not JWT.');
  }

  const kid = h.kid;
  if (typeof kid !== 'string' || kid === '' || kid.length > MAX_KID_LENGTH) {
    return invalid('kid', 'The token has no usable kid.');
  }
  return { alg, kid };
}
