/**
 * Byte, base64 and runtime helpers for the portable suites (tokens, hono, client, emulator), on
 * web standards only, so the same tests run on Node 18–24, workerd, the Edge runtime, Deno and
 * Bun: no `Buffer`, no `process`, no `node:*`.
 */
import { getCrypto } from '#crypto';
import { concatBytes } from '../../src/util/bytes.js';
import { decodeBase64url, encodeBase64url } from '../../src/util/base64url.js';

export { concatBytes, encodeBase64url };

/**
 * The runtime's WebCrypto, as the package reaches it (`#crypto`): Node 18 has no global `crypto`,
 * so tests that sign or spy on `subtle` go through this, never through the global.
 */
export function webCrypto(): Crypto {
  return getCrypto();
}

/** Decodes base64url (the canonical form a signer writes) into bytes; throws on anything else. */
export function bytesOfBase64url(text: string): Uint8Array {
  const bytes = decodeBase64url(text);
  if (!bytes) throw new Error(`not canonical base64url: ${text.slice(0, 40)}`);
  return bytes;
}

/** Standard base64 (with padding) of bytes, as in a PEM body or an `x5c` entry. */
export function base64OfBytes(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Bytes of a standard base64 string (a data: URL's payload). */
export function bytesOfBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Lower-case hex of bytes. */
export function hexOfBytes(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** Bytes of an even-length hex string. */
export function bytesOfHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** UTF-8 text of bytes. */
export function textOfBytes(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/** Base64url of a UTF-8 string. */
export function base64urlOfText(text: string): string {
  return encodeBase64url(new TextEncoder().encode(text));
}

/** The JSON of one segment of a compact JWS (0 = header, 1 = payload), unchecked. */
export function segmentJson(token: string, index: 0 | 1): Record<string, any> {
  return JSON.parse(textOfBytes(bytesOfBase64url(token.split('.')[index]!)));
}

/**
 * Inflates zlib-wrapped deflate data (a PNG's IDAT stream) with `DecompressionStream`; where the
 * runtime has none (the Edge runtime VM), reads stored blocks itself, the only kind the
 * emulator's PNG encoder writes, checking the lengths and the Adler-32 checksum.
 */
export async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  if (typeof DecompressionStream === 'function') {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
      .stream()
      .pipeThrough(new DecompressionStream('deflate'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }
  return inflateStored(bytes);
}

function inflateStored(bytes: Uint8Array): Uint8Array {
  if ((bytes[0]! & 0x0f) !== 8 || ((bytes[0]! << 8) | bytes[1]!) % 31 !== 0)
    throw new Error('not a zlib stream');
  const parts: Uint8Array[] = [];
  let o = 2;
  for (let last = 0; !last; ) {
    last = bytes[o]! & 1;
    if ((bytes[o]! >> 1) & 3)
      throw new Error('a compressed deflate block needs DecompressionStream');
    const len = bytes[o + 1]! | (bytes[o + 2]! << 8);
    const nlen = bytes[o + 3]! | (bytes[o + 4]! << 8);
    if ((len ^ 0xffff) !== nlen) throw new Error('stored block length mismatch');
    parts.push(bytes.subarray(o + 5, o + 5 + len));
    o += 5 + len;
  }
  const out = concatBytes(parts);
  let a = 1;
  let b = 0;
  for (const byte of out) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + o, 4);
  if (view.getUint32(0) !== ((b << 16) | a) >>> 0) throw new Error('Adler-32 mismatch');
  return out;
}

type Listener = (reason: unknown) => void;
interface NodeLikeProcess {
  on(event: 'unhandledRejection', listener: Listener): void;
  off(event: 'unhandledRejection', listener: Listener): void;
}

/**
 * Calls `listener` with the reason of every unhandled rejection until the returned function is
 * called: the web `unhandledrejection` event where the global scope has one (workerd, Deno, the
 * Edge runtime, Bun), Node's process event otherwise (Node has no global `addEventListener`).
 */
export function onUnhandledRejection(listener: Listener): () => void {
  const scope = globalThis as {
    addEventListener?: (type: string, fn: (event: { reason: unknown }) => void) => void;
    removeEventListener?: (type: string, fn: (event: { reason: unknown }) => void) => void;
    process?: NodeLikeProcess;
  };
  if (typeof scope.addEventListener === 'function') {
    const onEvent = (event: { reason: unknown }): void => listener(event.reason);
    scope.addEventListener('unhandledrejection', onEvent);
    return () => scope.removeEventListener?.('unhandledrejection', onEvent);
  }
  const host = scope.process;
  if (!host) throw new Error('no way to observe unhandled rejections in this runtime');
  host.on('unhandledRejection', listener);
  return () => host.off('unhandledRejection', listener);
}

/** An AbortSignal whose abort listeners are counted (added minus removed). */
export function watchedSignal(): { signal: AbortSignal; live: () => number } {
  const { signal } = new AbortController();
  const listeners = new Set<unknown>();
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  Object.assign(signal, {
    addEventListener(type: string, listener: EventListener, options?: AddEventListenerOptions) {
      if (type === 'abort') listeners.add(listener);
      add(type, listener, options);
    },
    removeEventListener(type: string, listener: EventListener) {
      if (type === 'abort') listeners.delete(listener);
      remove(type, listener);
    },
  });
  return { signal, live: () => listeners.size };
}
