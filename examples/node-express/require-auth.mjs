// The `requireAuth` middleware of the SDK overview, from `@protekt/node/express`: the token comes
// from `Authorization: Bearer` or, for browsers, from the httpOnly cookie set at login; a bad
// token is a 401 with an RFC 6750 challenge; Protekt being unreachable is a 503, not the user's
// fault. A request it lets through has `req.auth = { user, claims, token }`.
import { protektAuth } from '@protekt/node/express';
import { protekt } from './protekt.mjs';

/** Name of the httpOnly cookie holding the access token. */
export const ACCESS_COOKIE = 'protekt_access';

/** Express middleware: sets `req.auth`, or answers 401/503. */
export const requireAuth = protektAuth({
  client: protekt,
  cookie: ACCESS_COOKIE,
  realm: 'example',
});

/** Reads one cookie from the request (Express 5 does not parse cookies by itself). */
export function readCookie(req, name) {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}
