// The `requireAuth` middleware of the SDK overview, made production-ready: the token comes from
// `Authorization: Bearer` or, for browsers, from the httpOnly cookie set at login; a bad token
// is a 401 with an RFC 6750 challenge; Protekt being unreachable is a 503, not the user's fault.
import { ProtektError } from '@protekt/node';
import { protekt } from './protekt.mjs';

/** Name of the httpOnly cookie holding the access token. */
export const ACCESS_COOKIE = 'protekt_access';

/** Reads one cookie from the request (Express 5 does not parse cookies by itself). */
export function readCookie(req, name) {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

/** The bearer token of a request: the Authorization header first, then the cookie. */
export function tokenOf(req) {
  const header = req.headers.authorization;
  if (header) return /^Bearer +([\w\-.~+/]+=*) *$/i.exec(header)?.[1] ?? '';
  return readCookie(req, ACCESS_COOKIE);
}

/** Express middleware: sets `req.user`, `req.claims` and `req.accessToken`, or answers 401/503. */
export async function requireAuth(req, res, next) {
  const token = tokenOf(req);
  if (!token) {
    res.set('WWW-Authenticate', 'Bearer realm="example"');
    return res.status(401).json({ error: { code: 'token_missing', message: 'Missing token' } });
  }
  try {
    const { user, claims, error } = await protekt.auth.verifyToken(token);
    if (error) {
      res.set('WWW-Authenticate', 'Bearer realm="example", error="invalid_token"');
      return res
        .status(401)
        .json({ error: { code: error.code, message: 'Invalid or expired token' } });
    }
    req.user = user;
    req.claims = claims;
    req.accessToken = token;
    next();
  } catch (err) {
    if (!(err instanceof ProtektError)) throw err; // a bug: Express 5 sends it to the error handler
    res.set('Retry-After', '5');
    res.status(503).json({
      error: {
        code: 'service_unavailable',
        message: 'Authentication is temporarily unavailable',
      },
    });
  }
}
