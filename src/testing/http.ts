/** Answers and request-body reading for the emulator. */
import { readBounded } from '../util/bytes.js';
import { API_ERROR_CODES, type ApiErrorCode } from '../errors/codes.js';

/** Codes the emulator answers with: the catalogue plus `invalid_api_key` (thrown by the client). */
export type EmulatorErrorCode = ApiErrorCode | 'invalid_api_key';

/** Largest request body accepted (64 KiB). */
export const MAX_BODY_BYTES = 64 * 1024;

/** The status of an error code. */
export function statusOf(code: EmulatorErrorCode): number {
  return code === 'invalid_api_key' ? 401 : API_ERROR_CODES[code];
}

/** An expected failure: becomes the `{ error: { code, message, details? } }` envelope. */
export class EmulatorError extends Error {
  readonly status: number;
  constructor(
    readonly code: EmulatorErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'EmulatorError';
    this.status = statusOf(code);
  }
}

/** Throws an {@link EmulatorError}. */
export function fail(
  code: EmulatorErrorCode,
  message: string,
  details?: Record<string, unknown>,
  headers?: Record<string, string>,
): never {
  throw new EmulatorError(code, message, details, headers);
}

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
};

/** A JSON answer. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

/** The error envelope for a code. */
export function errorResponse(
  code: string,
  status: number,
  message: string,
  details?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Response {
  const error: Record<string, unknown> = { code, message };
  if (details && Object.keys(details).length > 0) error['details'] = details;
  return json({ error }, status, headers);
}

/** The envelope for a thrown {@link EmulatorError}. */
export function fromError(err: EmulatorError): Response {
  return errorResponse(err.code, err.status, err.message, err.details, err.headers);
}

/**
 * An HTML answer. Its forms may post only to the emulator itself and to `formTargets`: browsers
 * apply `form-action` to every redirect after a submission too, so a page whose form ends in a
 * redirect to the application must name the application's origin, or the browser stops there.
 */
export function html(markup: string, status = 200, formTargets: readonly string[] = []): Response {
  const origins = new Set<string>();
  for (const target of formTargets) {
    try {
      origins.add(new URL(target).origin);
    } catch {
      // not a URL: nothing to allow
    }
  }
  const formAction = ["'self'", ...origins].join(' ');
  return new Response(markup, {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-frame-options': 'DENY',
      'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action ${formAction}; frame-ancestors 'none'`,
    },
  });
}

/** A 302 redirect. */
export function redirect(location: string): Response {
  return new Response(null, { status: 302, headers: { location, 'cache-control': 'no-store' } });
}

/**
 * Reads a request body, refusing more than {@link MAX_BODY_BYTES} (a declared `Content-Length`
 * over the limit is refused before reading). Throws `payload_too_large`.
 */
export async function readBody(request: Request): Promise<Uint8Array> {
  let body: Uint8Array | null;
  try {
    body = await readBounded(request, MAX_BODY_BYTES);
  } catch {
    fail('invalid_request', 'The request body could not be read.');
  }
  return body ?? tooLarge();
}

function tooLarge(): never {
  fail('payload_too_large', `The request body is larger than ${MAX_BODY_BYTES} bytes.`, {
    max_bytes: MAX_BODY_BYTES,
  });
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8 strictly; `invalid_request` on bad bytes. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    fail('invalid_request', 'The request body is not valid UTF-8.', { field: 'body' });
  }
}

/** The media type of a Content-Type header (lower-case, parameters dropped), or `null`. */
export function mediaType(request: Request): string | null {
  const ct = request.headers.get('content-type');
  if (ct === null) return null;
  return ct.split(';')[0]!.trim().toLowerCase();
}

/** True for `application/json` and `application/*+json`. */
export function isJsonMediaType(type: string): boolean {
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
