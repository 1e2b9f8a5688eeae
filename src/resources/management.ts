/**
 * Management tokens: `Protekt.getManagementToken` exchanges a member's e-mail and password for
 * one (`POST /token`), `protekt.revokeManagementToken` ends the client's own (`POST /token/revoke`).
 */
import type {
  ManagementTokenResult,
  RequestOptions,
  RevokeManagementTokenResult,
} from '../types.js';
import { field, operation, paramsArg } from './operation.js';
import { email, password } from './validate.js';
import { flagField, stringField } from './wire.js';

/** A member's credentials for `Protekt.getManagementToken`. */
export interface ManagementCredentials {
  /** The member's e-mail address. */
  email: string;
  /** The member's password. */
  password: string;
}

/** @internal `POST /token`. */
export const issueManagementToken = operation<
  (credentials: ManagementCredentials, options?: RequestOptions) => Promise<ManagementTokenResult>
>({
  route: 'POST /token',
  args: [
    paramsArg<ManagementCredentials>({
      email: field('email', email),
      password: field('password', password),
    }),
  ],
  result: {
    managementToken: stringField('management_token'),
    expiresAt: stringField('expires_at'),
  },
});

/** @internal `POST /token/revoke`. */
export const revokeManagementToken = operation<
  (options?: RequestOptions) => Promise<RevokeManagementTokenResult>
>({ route: 'POST /token/revoke', args: [], result: { revoked: flagField('revoked') } });
