/** The scopes of API keys, enforced on the Auth API (the rule table is in the contract). */
import { SCOPE_OF_AUTH_ROUTE } from '../../contract/account-routes.js';
import { fail } from '../http.js';
import type { ApiKeyRecord } from '../store.js';

/**
 * Refuses, with 403 `insufficient_permissions`, a call to the Auth route `routeId` by a key that
 * lacks the scope the route needs. A route without a scope in the table needs none.
 */
export function refuseOutOfScope(key: ApiKeyRecord, routeId: string): void {
  const scope = SCOPE_OF_AUTH_ROUTE[routeId];
  if (scope === undefined || key.scopes.includes(scope)) return;
  fail('insufficient_permissions', `This API key lacks the scope ${scope} this operation needs.`, {
    required_scope: scope,
  });
}
