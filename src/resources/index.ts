/**
 * The resources of a client, by name: `protekt.auth`, `.users`, `.sessions`, `.mfa`. The client
 * builds each from its method table; `Protekt.mock` stands in for every method of the same tables.
 */
import { API_KEYS_METHODS } from './api-keys.js';
import { AUTH_METHODS } from './auth.js';
import { MEMBERS_METHODS } from './members.js';
import { PROJECTS_METHODS } from './projects.js';
import { USAGE_METHODS } from './usage.js';
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

/**
 * @internal The Account API's resources (`protekt.projects`, `.apiKeys`, `.members`, `.usage`):
 * built like the others, on the Account API's transport (`accountBaseUrl`, `managementToken`).
 */
export const ACCOUNT_RESOURCE_METHODS = {
  projects: PROJECTS_METHODS,
  apiKeys: API_KEYS_METHODS,
  members: MEMBERS_METHODS,
  usage: USAGE_METHODS,
};

/** @internal An Account API resource's name. */
export type AccountResourceName = keyof typeof ACCOUNT_RESOURCE_METHODS;
