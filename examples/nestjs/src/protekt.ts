// One client for the application, credentials from the environment (never hard-coded).
import { Protekt } from '@protekt/node';

export const protekt = new Protekt({
  loginId: process.env.PROTEKT_LOGIN_ID!,
  apiKey: process.env.PROTEKT_API_KEY!,
  baseUrl: process.env.PROTEKT_BASE_URL || undefined, // unset in production: https://auth.protekt.io/v1
  // How long a revoked token may still pass (seconds); 0 asks Protekt on every request.
  revocationCheck: { maxAge: Number(process.env.PROTEKT_REVOCATION_MAX_AGE ?? 30) },
});
