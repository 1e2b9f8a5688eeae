/**
 * Reading Protekt's answers into SDK objects. Each result field is read by a {@link Reader} that
 * names its snake_case wire field, so `grep access_token src/resources` finds where it is read.
 * An answer without a documented field (or with the wrong type) is Protekt's fault, never the
 * caller's: it throws `ProtektError('invalid_response')`.
 */
import { ProtektError } from '../errors/protekt-error.js';
import type { MfaMethod, ProtektUser, Session } from '../types.js';
import { isSafeKey } from '../util/case.js';
import { isRecord, own } from '../util/record.js';

/** A parsed JSON object of an answer, with its snake_case fields. */
export type WireObject = Record<string, unknown>;

/** Reads one result field from an answer. */
export type Reader = (answer: WireObject) => unknown;

/** How every field of a result is read: the SDK's camelCase name → its reader. */
export type ResultReaders = Readonly<Record<string, Reader>>;

/** The error for an answer that lacks a documented field or has it with the wrong type. */
function malformedAnswer(wireName: string, expected: string): never {
  throw new ProtektError(
    'invalid_response',
    `Protekt's answer lacks "${wireName}" as ${expected}: check that baseUrl points at the Protekt API.`,
    { details: { field: wireName } },
  );
}

/**
 * A reader of required fields: `answer[wireName]` when `isExpected` says it is what the API
 * documents (`expected` names that in the error), else the answer is malformed. Readers read own
 * members only: never one a polluted Object.prototype adds.
 */
const requiredField =
  (isExpected: (value: unknown) => boolean, expected: string) =>
  (wireName: string): Reader =>
  (answer) => {
    const value = own(answer, wireName);
    return isExpected(value) ? value : malformedAnswer(wireName, expected);
  };

/** A required string field. */
export const stringField = requiredField((value) => typeof value === 'string', 'a string');

/** A required number field. */
export const numberField = requiredField(Number.isFinite, 'a number');

/** An optional string field: `absent` (by default `null`) when the answer leaves it out. */
export const optionalStringField = (wireName: string, absent: string | null = null): Reader => {
  const read = stringField(wireName);
  return (answer) => (own(answer, wireName) == null ? absent : read(answer));
};

/** A flag: `true` only when the answer says `true`. */
export const flagField =
  (wireName: string): Reader =>
  (answer) =>
    own(answer, wireName) === true;

/** A number the answer may leave out (the `expires_in` of a send-code answer): `fallback` then. */
export const numberFieldOr =
  (wireName: string, fallback: number): Reader =>
  (answer) => {
    const value = own(answer, wireName);
    return typeof value === 'number' ? value : fallback;
  };

/** A required array field, each item read by `readItem`. */
export const listField = <T>(wireName: string, readItem: (item: unknown) => T): Reader => {
  const read = requiredField(Array.isArray, 'an array')(wireName);
  return (answer) => (read(answer) as unknown[]).map(readItem);
};

/** A required array of strings (anything else in it is left out). */
export const stringListField = (wireName: string): Reader => {
  const read = requiredField(Array.isArray, 'an array')(wireName);
  return (answer) => (read(answer) as unknown[]).filter((item) => typeof item === 'string');
};

/** A field that is the same on every success (the `tokenType` of a token answer). */
export const constantField =
  (value: unknown): Reader =>
  () =>
    value;

/** Reads `answer` into a fresh object, one reader per field. */
export function readResult(readers: ResultReaders, answer: WireObject): WireObject {
  const out: WireObject = {};
  for (const field of Object.keys(readers)) out[field] = readers[field]!(answer);
  return out;
}

/** Reads a nested object (`what` is its wire name, for the error when it is not an object). */
export function readObject(readers: ResultReaders, value: unknown, what: string): WireObject {
  return isRecord(value) ? readResult(readers, value) : malformedAnswer(what, 'an object');
}

/** The known MFA methods of a wire list (anything else, or no list, is left out). */
export function readMfaMethods(value: unknown): MfaMethod[] {
  if (!Array.isArray(value)) return [];
  return value.filter((method): method is MfaMethod => method === 'totp' || method === 'sms');
}

/** A fresh copy of a user's metadata, without keys that could reach a prototype. */
function readMetadata(value: unknown): WireObject {
  const out: WireObject = {};
  if (!isRecord(value)) return out;
  for (const key of Object.keys(value)) if (isSafeKey(key)) out[key] = value[key];
  return out;
}

/** The fields of a wire `User`. */
const USER_READERS: ResultReaders = {
  id: stringField('id'),
  email: stringField('email'),
  emailVerified: flagField('email_verified'),
  mfaEnabled: flagField('mfa_enabled'),
  mfaMethods: (user) => readMfaMethods(own(user, 'mfa_methods')),
  metadata: (user) => readMetadata(own(user, 'metadata')),
  disabled: flagField('disabled'),
  createdAt: optionalStringField('created_at', ''),
  lastLoginAt: optionalStringField('last_login_at'),
};

/** Reads a wire `User` (an answer that is the user itself, or the `user` field of one). */
export const readUser = <M extends object>(value: unknown): ProtektUser<M> =>
  readObject(USER_READERS, value, 'user') as unknown as ProtektUser<M>;

/** The `user` field of an answer. */
export const userField: Reader = (answer) => readUser(own(answer, 'user'));

const readCreatedAt = stringField('created_at');
const readLastActiveAt = optionalStringField('last_active_at');

/** The fields of a wire `Session`. */
const SESSION_READERS: ResultReaders = {
  id: stringField('id'),
  ipAddress: optionalStringField('ip_address', ''),
  userAgent: optionalStringField('user_agent', ''),
  createdAt: readCreatedAt,
  // Older sessions have no activity yet: their creation time stands for it.
  lastActiveAt: (session) => readLastActiveAt(session) ?? readCreatedAt(session),
  isCurrent: flagField('is_current'),
};

/** Reads a wire `Session`. */
export const readSession = (value: unknown): Session =>
  readObject(SESSION_READERS, value, 'session') as unknown as Session;

/** A new token pair: a refresh's result (an answer without both tokens is invalid_response). */
export const TOKEN_PAIR_READERS = {
  accessToken: stringField('access_token'),
  refreshToken: stringField('refresh_token'),
  expiresIn: numberField('expires_in'),
} satisfies ResultReaders;

/** An `AuthTokenResponse`: the pair, the user, and whether MFA enrollment is still required. */
export const AUTH_TOKENS_READERS = {
  ...TOKEN_PAIR_READERS,
  tokenType: constantField('Bearer'),
  user: userField,
  mfaEnrollmentRequired: flagField('mfa_enrollment_required'),
} satisfies ResultReaders;
