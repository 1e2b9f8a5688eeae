/** The request guard: `authenticateRequest` and what the framework adapters share. */
export {
  authenticateRequest,
  authenticateWith,
  guardSettings,
  requestToken,
  type GuardSettings,
} from './authenticate-request.js';
export type * from './types.js';
