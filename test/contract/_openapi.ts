/**
 * The OpenAPI files as validators (Node only: reads the YAML copies). OpenAPI 3.0 schemas become
 * JSON Schema: `$ref`s inlined, `nullable: true` as a `null` type, examples dropped.
 */
import { readFileSync } from 'node:fs';
import { Validator } from '@cfworker/json-schema';
import { parse } from 'yaml';

/** An OpenAPI document, as far as these tests read it. */
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, unknown>>;
}
interface Operation {
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }> }>;
}

/** One operation of a file: method, path template and the documented statuses. */
export interface DocumentedOperation {
  readonly method: string;
  readonly path: string;
  readonly statuses: readonly number[];
}

/** A file loaded: its operations, and the check of one answer against it. */
export interface OpenApiContract {
  readonly operations: readonly DocumentedOperation[];
  /** The operation a concrete method and path (below the server URL) belong to, if any. */
  find(method: string, path: string): DocumentedOperation | undefined;
  /**
   * The problems of an answer to `operation` with `status` (empty when it conforms): a JSON body
   * against the schema, a redirect's `Location`.
   */
  check(
    operation: DocumentedOperation,
    status: number,
    body: unknown,
    location: string | null,
  ): string[];
}

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Loads one of the YAML copies in test/contract/openapi/. */
export function loadContract(file: string): OpenApiContract {
  const text = readFileSync(new URL(`./openapi/${file}`, import.meta.url), 'utf8');
  const doc = parse(text) as Document;
  const operations: DocumentedOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of Object.keys(item).filter((m) => HTTP_METHODS.includes(m))) {
      const statuses = Object.keys(item[method]!.responses).map(Number);
      operations.push({ method: method.toUpperCase(), path, statuses });
    }
  }
  const pattern = (path: string) => new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`);
  const validators = new Map<string, Validator | null>();
  return {
    operations,
    find: (method, path) =>
      operations.find((op) => op.method === method && pattern(op.path).test(path)),
    check(operation, status, body, location) {
      const key = `${operation.method} ${operation.path} ${status}`;
      if (!validators.has(key)) validators.set(key, validatorOf(doc, operation, status));
      const validator = validators.get(key);
      if (validator === null) return status === 302 && !location ? [`${key}: no Location`] : [];
      const result = validator!.validate(body);
      return result.valid
        ? []
        : result.errors.map((e) => `${key}: ${e.instanceLocation} ${e.error}`);
    },
  };
}

/** The validator of an operation's answer with `status` (`null` for an answer without a body). */
function validatorOf(doc: Document, op: DocumentedOperation, status: number): Validator | null {
  let response = doc.paths[op.path]![op.method.toLowerCase()]!.responses[String(status)];
  // An error status the operation does not list still answers in the file's error envelope.
  if (!response && status >= 400) response = { $ref: '#/components/schemas/Error' };
  if (!response) return new Validator({ not: {}, description: `undocumented ${status}` }, '7');
  if (response.$ref?.includes('/schemas/'))
    response = { content: { 'application/json': { schema: { $ref: response.$ref } } } };
  else if (response.$ref) response = resolve(doc, response.$ref) as typeof response;
  const schema = response.content?.['application/json']?.schema;
  return schema === undefined
    ? null
    : new Validator(toJsonSchema(doc, schema) as object, '7', false);
}

function resolve(doc: Document, ref: string): unknown {
  const [, section, name] = /^#\/components\/(\w+)\/(.+)$/.exec(ref)!;
  return doc.components[section!]![name!];
}

/**
 * Fields an answer may leave out although its schema declares them: every other declared field is
 * read as required (the files mark none required, so without this any object would pass).
 */
const OPTIONAL_FIELDS = new Set(['details', 'mfa_enrollment_required']);

/**
 * OpenAPI 3.0 schema → JSON Schema (draft 7), read strictly for answers: declared properties are
 * required (but {@link OPTIONAL_FIELDS}), and `oneOf` is `anyOf` (its alternatives overlap: a
 * token answer and an MFA challenge are both objects).
 */
function toJsonSchema(doc: Document, node: unknown): unknown {
  if (Array.isArray(node)) return node.map((item) => toJsonSchema(doc, item));
  if (typeof node !== 'object' || node === null) return node;
  const source = node as Record<string, unknown>;
  if (typeof source.$ref === 'string') return toJsonSchema(doc, resolve(doc, source.$ref));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'example' || key === 'nullable' || key === 'description') continue;
    if (key === 'format' && value === 'password') continue;
    out[key === 'oneOf' ? 'anyOf' : key] =
      key === 'properties' ? mapValues(doc, value) : toJsonSchema(doc, value);
  }
  if (out.properties && !out.required)
    out.required = Object.keys(out.properties).filter((name) => !OPTIONAL_FIELDS.has(name));
  if (source.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  if (source.nullable === true && Array.isArray(out.enum)) out.enum = [...out.enum, null];
  return out;
}

function mapValues(doc: Document, value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>))
    out[key] = toJsonSchema(doc, item);
  return out;
}
