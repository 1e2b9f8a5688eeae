/**
 * A deliberately tiny schema language for the API's JSON bodies and answers.
 *
 * One rule per field: its JSON type, whether it must be present, and the few constraints the
 * API enforces (e-mail / E.164 / URL format, length bounds, enum, integer range). The emulator
 * validates every request body with it, and the contract test checks every answer against it,
 * so the route table in `routes.ts` is the one place the wire shapes are written down.
 *
 * Web standards only: this module runs inside workerd and the Edge runtime.
 */
import { jsonByteLength, METADATA_MAX_BYTES, METADATA_MAX_DEPTH } from '../util/limits.js';
import type { ApiErrorCode } from '../errors/codes.js';
import { isRecord } from '../util/record.js';

/** JSON types a field can have. `integer` is a JSON number without a fractional part. */
export type FieldType = 'string' | 'boolean' | 'integer' | 'number' | 'object' | 'array' | 'any';

/** Value formats the API checks on strings. */
export type FieldFormat = 'email' | 'e164' | 'url';

/** The rule for one field of an object. */
export interface FieldRule {
  /** The JSON type. */
  readonly type: FieldType;
  /** The field must be present (and not `null`). */
  readonly required?: boolean;
  /** `null` is an allowed value (answers only; requests treat `null` as absent). */
  readonly nullable?: boolean;
  /** Allowed string values. */
  readonly enum?: readonly string[];
  /** A string format. */
  readonly format?: FieldFormat;
  /** Minimum string length (characters). */
  readonly minLength?: number;
  /** Maximum string length (characters). */
  readonly maxLength?: number;
  /** Minimum number value (inclusive). */
  readonly min?: number;
  /** Maximum number value (inclusive). */
  readonly max?: number;
  /** For `array`: the type of every element, or the shape of every object element. */
  readonly items?: FieldType | ObjectSchema;
  /** For `object`: the shape of the nested object (extra keys allowed). */
  readonly shape?: ObjectSchema;
  /** Error code when a present value of the right type breaks a format/length/enum rule. */
  readonly code?: ApiErrorCode;
}

/**
 * An object shape: field name → rule. Keys not listed are ignored on input and allowed in answers.
 */
export type ObjectSchema = Readonly<Record<string, FieldRule>>;

/**
 * A failed validation: the code to answer with, a message without the offending value, the field.
 */
export interface ValidationFailure {
  readonly ok: false;
  readonly code: ApiErrorCode;
  readonly message: string;
  readonly field: string;
}

/** A passed validation: a null-prototype copy holding only the declared fields. */
export interface ValidationSuccess {
  readonly ok: true;
  readonly value: Record<string, unknown>;
}

/** Keys that must never be copied onto an object from untrusted input. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

const EMAIL_RE = /^[^\s@"<>()[\],;:\\]+@[^\s@"<>()[\],;:\\]+\.[^\s@"<>()[\],;:\\]{2,}$/;
const E164_RE = /^\+[1-9]\d{6,14}$/;

/** True for a plausible e-mail address (at most 254 characters, one `@`, a dotted domain). */
export function isEmail(value: string): boolean {
  return value.length <= 254 && EMAIL_RE.test(value);
}

/** True for an E.164 phone number (`+` then 7 to 15 digits, no leading zero). */
export function isE164(value: string): boolean {
  return E164_RE.test(value);
}

/** True for an absolute `http:` or `https:` URL. */
export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Deep copy of untrusted JSON into null-prototype objects, dropping `__proto__`, `constructor`
 * and `prototype` keys at every level. Depth is bounded; deeper values are dropped.
 */
export function sanitizeJson(value: unknown, depth = 0): unknown {
  if (depth > METADATA_MAX_DEPTH + 1) return null;
  if (Array.isArray(value)) return value.map((v) => sanitizeJson(v, depth + 1));
  if (isRecord(value)) {
    const out = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) continue;
      out[key] = sanitizeJson(value[key], depth + 1);
    }
    return out;
  }
  return value;
}

// Depth of the deepest object or array inside `value` (itself at `depth`), stopping past the limit.
function depthOf(value: object, depth: number): number {
  let max = depth;
  for (const child of Object.values(value)) {
    if (max > METADATA_MAX_DEPTH) break;
    if (typeof child === 'object' && child !== null) max = Math.max(max, depthOf(child, depth + 1));
  }
  return max;
}

function typeMatches(type: FieldType, value: unknown): boolean {
  switch (type) {
    case 'any':
      return true;
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'object':
      return isRecord(value);
    case 'array':
      return Array.isArray(value);
  }
}

function fail(code: ApiErrorCode, field: string, message: string): ValidationFailure {
  return { ok: false, code, field, message };
}

/**
 * Validates an untrusted request body against a schema. The body must be a JSON object; `null`
 * values count as absent. On success the value holds only the declared fields, deep-sanitized.
 */
export function validateBody(
  schema: ObjectSchema,
  body: unknown,
): ValidationSuccess | ValidationFailure {
  if (!isRecord(body))
    return fail('invalid_request', 'body', 'The request body must be a JSON object.');
  const out = Object.create(null) as Record<string, unknown>;
  for (const field of Object.keys(schema)) {
    const rule = schema[field]!;
    const raw = Object.hasOwn(body, field) ? body[field] : undefined;
    if (raw === undefined || raw === null) {
      if (rule.required) return fail('invalid_request', field, `The field "${field}" is required.`);
      continue;
    }
    const problem = checkValue(rule, raw, field);
    if (problem) return problem;
    out[field] = sanitizeJson(raw);
  }
  return { ok: true, value: out };
}

function checkValue(rule: FieldRule, raw: unknown, field: string): ValidationFailure | null {
  if (!typeMatches(rule.type, raw)) {
    return fail('invalid_request', field, `The field "${field}" must be ${article(rule.type)}.`);
  }
  // Objects (user metadata) within the SDK's own limits: refused, never silently truncated.
  if (rule.type === 'object') {
    if (depthOf(raw as object, 0) > METADATA_MAX_DEPTH) {
      return fail(
        'invalid_request',
        field,
        `The field "${field}" is nested deeper than ${METADATA_MAX_DEPTH} levels.`,
      );
    }
    if (jsonByteLength(raw) > METADATA_MAX_BYTES) {
      return fail(
        'invalid_request',
        field,
        `The field "${field}" is larger than ${METADATA_MAX_BYTES} bytes as UTF-8 JSON.`,
      );
    }
  }
  const code = rule.code ?? 'invalid_request';
  if (typeof raw === 'string') {
    if (rule.required && raw.length === 0)
      return fail(rule.code ?? 'invalid_request', field, `The field "${field}" must not be empty.`);
    if (rule.minLength !== undefined && raw.length < rule.minLength) {
      return fail(
        code,
        field,
        `The field "${field}" must be at least ${rule.minLength} characters long.`,
      );
    }
    if (rule.maxLength !== undefined && raw.length > rule.maxLength) {
      return fail(
        code,
        field,
        `The field "${field}" must be at most ${rule.maxLength} characters long.`,
      );
    }
    if (rule.enum && !rule.enum.includes(raw)) {
      return fail(code, field, `The field "${field}" must be one of: ${rule.enum.join(', ')}.`);
    }
    if (rule.format === 'email' && !isEmail(raw.trim()))
      return fail(code, field, `The field "${field}" is not a valid e-mail address.`);
    if (rule.format === 'e164' && !isE164(raw))
      return fail(code, field, `The field "${field}" is not an E.164 phone number.`);
    if (rule.format === 'url' && !isHttpUrl(raw))
      return fail(code, field, `The field "${field}" is not an absolute http(s) URL.`);
  }
  if (typeof raw === 'number') {
    if (rule.min !== undefined && raw < rule.min)
      return fail(code, field, `The field "${field}" must be at least ${rule.min}.`);
    if (rule.max !== undefined && raw > rule.max)
      return fail(code, field, `The field "${field}" must be at most ${rule.max}.`);
  }
  if (Array.isArray(raw) && rule.items !== undefined) {
    for (let i = 0; i < raw.length; i++) {
      const item = raw[i];
      const ok = typeof rule.items === 'string' ? typeMatches(rule.items, item) : isRecord(item);
      if (!ok)
        return fail(
          'invalid_request',
          `${field}[${i}]`,
          `Every element of "${field}" must be ${article(typeof rule.items === 'string' ? rule.items : 'object')}.`,
        );
    }
  }
  return null;
}

function article(type: FieldType): string {
  switch (type) {
    case 'integer':
    case 'object':
    case 'array':
      return `an ${type}`;
    case 'any':
      return 'a value';
    default:
      return `a ${type}`;
  }
}

/**
 * Validates query parameters (all strings on the wire). `integer` rules parse decimal digits;
 * `boolean` rules accept `true`/`false`. Unknown parameters are ignored.
 */
export function validateQuery(
  schema: ObjectSchema,
  params: URLSearchParams,
): ValidationSuccess | ValidationFailure {
  const out = Object.create(null) as Record<string, unknown>;
  for (const field of Object.keys(schema)) {
    const rule = schema[field]!;
    const raw = params.get(field);
    if (raw === null || raw === '') {
      if (rule.required)
        return fail('invalid_request', field, `The query parameter "${field}" is required.`);
      continue;
    }
    let value: unknown = raw;
    if (rule.type === 'integer') {
      if (!/^-?\d{1,15}$/.test(raw))
        return fail('invalid_request', field, `The query parameter "${field}" must be an integer.`);
      value = Number(raw);
    } else if (rule.type === 'boolean') {
      if (raw !== 'true' && raw !== 'false')
        return fail(
          'invalid_request',
          field,
          `The query parameter "${field}" must be true or false.`,
        );
      value = raw === 'true';
    }
    const problem = checkValue(rule, value, field);
    if (problem) return problem;
    out[field] = value;
  }
  return { ok: true, value: out };
}

/**
 * Checks an answer against a shape: every required field present with its type (or `null` when
 * nullable), nested shapes and array items recursively. Returns the list of problems (empty =
 * conforms).
 */
export function checkShape(schema: ObjectSchema, value: unknown, path = ''): string[] {
  if (!isRecord(value)) return [`${path || '(root)'}: expected an object`];
  const problems: string[] = [];
  for (const field of Object.keys(schema)) {
    const rule = schema[field]!;
    const where = path ? `${path}.${field}` : field;
    const v = Object.hasOwn(value, field) ? value[field] : undefined;
    if (v === undefined) {
      if (rule.required) problems.push(`${where}: missing`);
      continue;
    }
    if (v === null) {
      if (!rule.nullable) problems.push(`${where}: null is not allowed`);
      continue;
    }
    if (!typeMatches(rule.type, v)) {
      problems.push(`${where}: expected ${rule.type}`);
      continue;
    }
    if (rule.enum && typeof v === 'string' && !rule.enum.includes(v))
      problems.push(`${where}: "${v}" not in enum`);
    if (rule.shape) problems.push(...checkShape(rule.shape, v, where));
    if (Array.isArray(v) && rule.items !== undefined) {
      v.forEach((item, i) => {
        if (typeof rule.items === 'string') {
          if (!typeMatches(rule.items, item))
            problems.push(`${where}[${i}]: expected ${rule.items}`);
        } else if (rule.items) {
          problems.push(...checkShape(rule.items, item, `${where}[${i}]`));
        }
      });
    }
  }
  return problems;
}
