/**
 * The project's own statement of the Protekt Authentication API contract: the route table and
 * the tiny schema language it is written in. Used by the emulator (routing and validation) and
 * by the contract tests. Web standards only.
 */
export {
  ROUTES,
  OPENAPI_OPERATION_IDS,
  routeById,
  pathPattern,
  USER_SHAPE,
  AUTH_TOKEN_SHAPE,
  MFA_CHALLENGE_SHAPE,
  SESSION_SHAPE,
  ERROR_SHAPE,
  JWK_SHAPE,
  type RouteSpec,
  type RouteMethod,
  type RouteAuth,
  type SuccessSpec,
} from './routes.js';
export {
  validateBody,
  validateQuery,
  checkShape,
  sanitizeJson,
  isEmail,
  isE164,
  isHttpUrl,
  FORBIDDEN_KEYS,
  type FieldType,
  type FieldFormat,
  type FieldRule,
  type ObjectSchema,
  type ValidationFailure,
  type ValidationSuccess,
} from './schema.js';
