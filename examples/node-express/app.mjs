// The Express app: sign-up and login (with the MFA step) set httpOnly cookies; /me, /sessions
// and /logout need a signed-in user; /refresh rotates the tokens.
import express from 'express';
import { ProtektError } from '@protekt/node';
import { protekt } from './protekt.mjs';
import { ACCESS_COOKIE, readCookie, requireAuth } from './require-auth.mjs';

const REFRESH_COOKIE = 'protekt_refresh';
const MFA_COOKIE = 'protekt_mfa';
const secure = process.env.NODE_ENV === 'production'; // plain http on localhost during development

/**
 * Puts fresh tokens in httpOnly cookies and answers with the user (and the access token, for API
 * clients).
 */
function signedIn(res, { accessToken, refreshToken, expiresIn, user }, status = 200) {
  const cookie = { httpOnly: true, secure, sameSite: 'lax' };
  res.cookie(ACCESS_COOKIE, accessToken, { ...cookie, path: '/', maxAge: expiresIn * 1000 });
  res.cookie(REFRESH_COOKIE, refreshToken, {
    ...cookie,
    path: '/refresh',
    maxAge: 30 * 24 * 3600 * 1000,
  });
  res.status(status).json({ ...(user ? { user } : {}), accessToken, expiresIn });
}

/** An expected failure from Protekt, passed on with its status (400 for input refused locally). */
function failed(res, error) {
  res.status(error.status || 400).json({ error: { code: error.code, message: error.message } });
}

export function createApp() {
  const app = express();
  app.use(express.json());

  app.get('/', (_req, res) =>
    res.json({
      ok: true,
      routes: [
        'POST /signup',
        'POST /login',
        'POST /login/mfa',
        'POST /refresh',
        'GET /me',
        'GET /sessions',
        'POST /logout',
      ],
    }),
  );

  app.post('/signup', async (req, res) => {
    const { email, password } = req.body ?? {};
    const result = await protekt.auth.signUp({ email, password });
    if (result.error) return failed(res, result.error);
    signedIn(res, result, 201);
  });

  app.post('/login', async (req, res) => {
    const { email, password } = req.body ?? {};
    const result = await protekt.auth.login({ email, password });
    if (result.error?.code === 'mfa_required') {
      // Second step: the challenge token waits in a short-lived httpOnly cookie for /login/mfa.
      res.cookie(MFA_COOKIE, result.error.mfaToken, {
        httpOnly: true,
        secure,
        sameSite: 'strict',
        path: '/login/mfa',
        maxAge: 5 * 60 * 1000,
      });
      return res.status(200).json({ mfaRequired: true, methods: result.error.availableMethods });
    }
    if (result.error) return failed(res, result.error);
    signedIn(res, result);
  });

  app.post('/login/mfa', async (req, res) => {
    const mfaToken = readCookie(req, MFA_COOKIE) ?? req.body?.mfaToken;
    const result = await protekt.mfa.verifyLogin({ mfaToken, code: req.body?.code });
    if (result.error) return failed(res, result.error);
    res.clearCookie(MFA_COOKIE, { path: '/login/mfa' });
    signedIn(res, result);
  });

  app.post('/refresh', async (req, res) => {
    const refreshToken = readCookie(req, REFRESH_COOKIE) ?? req.body?.refreshToken;
    const result = await protekt.auth.refreshToken(refreshToken);
    if (result.error) return failed(res, result.error);
    signedIn(res, result);
  });

  app.get('/me', requireAuth, (req, res) => res.json({ user: req.auth.user }));

  app.get('/sessions', requireAuth, async (req, res) => {
    const { sessions, error } = await protekt.sessions.list(req.auth.token);
    if (error) return failed(res, error);
    res.json({ sessions });
  });

  app.post('/logout', requireAuth, async (req, res) => {
    const { error } = await protekt.auth.logout(req.auth.token);
    if (error) return failed(res, error);
    res.clearCookie(ACCESS_COOKIE, { path: '/' });
    res.clearCookie(REFRESH_COOKIE, { path: '/refresh' });
    res.status(204).end();
  });

  // Protekt unreachable on a call other than the guard's (ProtektError), or a bug.
  app.use((err, _req, res, next) => {
    console.error(err);
    if (res.headersSent) return next(err);
    const outage = err instanceof ProtektError;
    res.status(outage ? 503 : 500).json({
      error: {
        code: outage ? 'service_unavailable' : 'internal_error',
        message: outage ? 'Try again shortly' : 'Something went wrong',
      },
    });
  });
  return app;
}
