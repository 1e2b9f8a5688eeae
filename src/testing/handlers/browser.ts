/** Browser flows: SSO/social through the fake identity provider, and the hosted login page. */
import { fail } from '../http.js';
import type { Handler } from '../state.js';

/** GET /auth/sso/authorize */
export const ssoAuthorize: Handler = async () => fail('invalid_request', 'not yet');
/** GET /auth/sso/callback */
export const ssoCallback: Handler = async () => fail('invalid_request', 'not yet');
/** GET /auth/authorize */
export const hostedPage: Handler = async () => fail('invalid_request', 'not yet');
/** POST /auth/authorize */
export const hostedSubmit: Handler = async () => fail('invalid_request', 'not yet');
/** GET /_idp/authorize */
export const idpPage: Handler = async () => fail('invalid_request', 'not yet');
/** POST /_idp/authorize */
export const idpSubmit: Handler = async () => fail('invalid_request', 'not yet');
