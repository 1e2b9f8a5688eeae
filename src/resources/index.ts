/**
 * The resources of a client, by name: `protekt.auth`, `.users`, `.sessions`, `.mfa`. The client
 * builds each from its method table; `Protekt.mock` stands in for every method of the same tables.
 */
import { AUTH_METHODS } from './auth.js';
import { MFA_METHODS } from './mfa.js';
import { SESSIONS_METHODS } from './sessions.js';
import { USERS_METHODS } from './users.js';

/** @internal Every resource's method table, in the order the client's fields appear. */
export const RESOURCE_METHODS = {
  auth: AUTH_METHODS,
  users: USERS_METHODS,
  sessions: SESSIONS_METHODS,
  mfa: MFA_METHODS,
};

/** @internal A resource's name. */
export type ResourceName = keyof typeof RESOURCE_METHODS;
