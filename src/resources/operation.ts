/**
 * Resource methods described as data. Each API operation of a resource is one
 * {@link OperationSpec}: its route, where each argument goes on the wire (path, Authorization
 * header, body or query, with the wire names written out), how the answer is read, and whether it
 * issues tokens. {@link operation} turns a spec into the method of a client. A resource's table
 * `satisfies` {@link MethodTable} of its interface, so a method missing from the table, or a spec
 * whose arguments or result fields do not match the method's declared types, fails `tsc`.
 *
 * Methods that are not one request (verifyToken, refreshToken, listAll, the URL builders,
 * sessions.revokeAll) are plain named functions of type {@link MethodBuilder} beside the specs.
 */
import type { Send } from '../http/transport.js';
import type { ApiRequest, HttpMethod } from '../http/types.js';
import type { TokenEndings } from '../tokens/verify.js';
import type { MfaRequiredError, ProtektApiError, RequestOptions } from '../types.js';
import { isRecord, ownProps } from '../util/record.js';
import { type InputCheck, type InputRule, accessToken, inputError } from './validate.js';
import { readResult, type Reader, type WireObject } from './wire.js';

/** What a resource method needs from its client. */
export interface ResourceContext {
  /** The client's transport. */
  readonly send: Send;
  /** Seconds sent as `token_expiry` on every call that issues tokens, when configured. */
  readonly tokenExpiry: number | undefined;
  /** The client's token verifier (`auth.verifyToken` is its `verify`). */
  readonly verifyToken: (token: unknown, options?: RequestOptions) => Promise<unknown>;
  /** Where a call that ended tokens tells the verifier, so that it refuses them at once. */
  readonly endings: TokenEndings;
  /** The API base URL (for `auth`'s URL builders). */
  readonly baseUrl: string;
  /** The project's login id (for `auth`'s URL builders). */
  readonly loginId: string;
  /**
   * The longest one call takes, every attempt and wait included, with a per-call `timeout` (the
   * client's when undefined): how long a call that joined another's refresh waits on Workers.
   */
  readonly callBudget: (timeout: number | undefined) => number;
}

/**
 * An API route: `'METHOD /path'` below the base URL, path parameters as `{name}` (as in the OpenAPI
 * file).
 */
export type Route = `${HttpMethod} /${string}`;

/**
 * Builds one method of a resource for a client. `name` is `resource.method`, for messages.
 * `synchronous` marks a method that answers without a promise (a URL builder, an iterator), so
 * that `Protekt.mock` stands in for it with a throw instead of a rejection; `routes` lists the
 * API routes the method calls and `spec` the operation it performs, when it is one (a test checks
 * both against the contract).
 */
export type MethodBuilder<F> = ((context: ResourceContext, name: string) => F) & {
  readonly synchronous?: true;
  readonly routes?: readonly Route[];
  readonly spec?: DescribedOperation;
};

/** What a method built on `inner` (an operation) tells about itself: the same routes and spec. */
export const describedBy = (
  inner: MethodBuilder<unknown>,
): { routes?: readonly Route[]; spec?: DescribedOperation } => ({
  routes: inner.routes,
  spec: inner.spec,
});

/** A resource's methods as builders: every method of the interface `R`, each of its own type. */
export type MethodTable<R> = { readonly [K in keyof R]-?: MethodBuilder<R[K]> };

/** Builds a resource object for a client: each method of `table` bound to `context`. */
export function buildResource<R>(
  context: ResourceContext,
  resource: string,
  table: MethodTable<R>,
): R {
  const out: Record<string, unknown> = {};
  // Own keys (never `for…in`): a name added to a polluted Object.prototype is not a method.
  const builders = table as Record<string, MethodBuilder<unknown>>;
  for (const method of Object.keys(builders))
    out[method] = builders[method]!(context, `${resource}.${method}`);
  return out as R;
}

/** One field of a parameter object: its wire name and the check its value must pass. */
export interface FieldSpec {
  readonly wire: string;
  readonly rule: InputRule;
}

/** A field of a parameter object, sent as `wire` when set. */
export const field = (wire: string, rule: InputRule): FieldSpec => ({ wire, rule });

/** One positional argument of a method and where it goes on the wire. */
export type ArgSpec =
  /** The user's access token, sent as `Authorization: Bearer`. */
  | { readonly in: 'bearer'; readonly name: string; readonly optional: boolean }
  /** A path parameter: fills the `{name}` segment of the route. */
  | { readonly in: 'path'; readonly name: string; readonly rule: InputRule }
  /** A single value sent as one body field. */
  | { readonly in: 'body'; readonly name: string; readonly wire: string; readonly rule: InputRule }
  /**
   * A parameter object: its fields that are set make the body (the query string of a GET).
   * `check` is a rule across its fields (run once every field passed); `optional` lets the whole
   * object be left out.
   */
  | {
      readonly in: 'params';
      readonly fields: Readonly<Record<string, FieldSpec>>;
      readonly check?: ((params: WireObject) => InputCheck) | undefined;
      readonly optional: boolean;
    };

/** The user's access token argument (required unless `optional`). */
export const bearerArg = (optional = false): ArgSpec => ({
  in: 'bearer',
  name: 'accessToken',
  optional,
});

/** A path parameter argument named `name` (the `{name}` segment of the route). */
export const pathArg = (name: string, rule: InputRule): ArgSpec => ({ in: 'path', name, rule });

/** A single value argument sent as the body field `wire`. */
export const bodyArg = (name: string, wire: string, rule: InputRule): ArgSpec => ({
  in: 'body',
  name,
  wire,
  rule,
});

/** A parameter object argument. The fields are typed by the method's parameter type `P`. */
export const paramsArg = <P>(
  fields: { readonly [K in keyof P]-?: FieldSpec },
  options: { check?: (params: WireObject) => InputCheck; optional?: boolean } = {},
): ParamsArg<P> => ({
  in: 'params',
  fields,
  check: options.check,
  optional: options.optional === true,
});

/** A parameter object argument whose fields are those of `P` (a phantom type, for `tsc` only). */
export type ParamsArg<P> = Extract<ArgSpec, { in: 'params' }> & { readonly __params?: P };

// The method's arguments before its per-call options, and the fields of its success result.
type ArgsOf<F> = F extends (...args: infer A) => unknown ? Required<A> : never;
type LeadingArgs<A> = A extends [...infer Head, RequestOptions]
  ? Head
  : A extends unknown[]
    ? A
    : never;
type SuccessOf<F> = F extends (...args: never[]) => Promise<infer R>
  ? Omit<Extract<R, { error: null }>, 'error'>
  : never;

// One spec per argument (homomorphic over the tuple, so the result is a tuple of the same length).
type SpecsOfArgs<A extends unknown[]> = {
  readonly [I in keyof A]: A[I] extends string ? ArgSpec : ParamsArg<A[I]>;
};

/**
 * The argument specs of `F`: one per argument before the options, a parameter object typed by its
 * fields.
 */
export type ArgSpecs<F> = SpecsOfArgs<LeadingArgs<ArgsOf<F>>>;

/** One API operation as a method of type `F`. */
export interface OperationSpec<F> {
  /** The route: `'METHOD /path'`, path parameters as `{name}`. */
  readonly route: Route;
  /** The method's arguments before the per-call options, in order. */
  readonly args: ArgSpecs<F>;
  /** How each field of the success result is read (also the fields set to `null` on failure). */
  readonly result: { readonly [K in keyof SuccessOf<F>]-?: Reader };
  /** Sends `token_expiry` (the client's `tokenExpiry`) in the body. */
  readonly issuesTokens?: true;
  /** A check across arguments, run once each argument passed its own. */
  readonly checkArgs?: (values: readonly unknown[]) => InputCheck;
  /** Completes the body built from the arguments (a default that depends on other fields). */
  readonly completeBody?: (body: WireObject) => WireObject;
  /**
   * What a success ends (a session, a user's tokens), told to this client's verifier so that its
   * `verifyToken` refuses those tokens at once; `values` are the method's arguments.
   */
  readonly ends?: (endings: TokenEndings, values: readonly unknown[]) => void;
  /**
   * Reads the answer when the result fields alone cannot (the login MFA challenge): a whole result.
   */
  readonly readAnswer?: (answer: WireObject) => WireObject;
}

/**
 * An operation spec as data, its argument and result types erased (for the runner and the contract
 * test).
 */
export type DescribedOperation = Omit<OperationSpec<unknown>, 'args' | 'result'> & {
  readonly args: readonly ArgSpec[];
  readonly result: Readonly<Record<string, Reader>>;
};

/**
 * A failed result: every field of the success shape `null`, plus the error. Typed `never` so it
 * fits the method's declared result, a union discriminated by `error`.
 */
export function failedResult(
  result: Readonly<Record<string, unknown>>,
  error: ProtektApiError | MfaRequiredError,
): never {
  const out: WireObject = {};
  for (const key of Object.keys(result)) out[key] = null;
  out.error = error;
  return out as never;
}

/** The method of a client that performs the operation `spec` describes. */
export function operation<F>(typedSpec: OperationSpec<F>): MethodBuilder<F> {
  const spec = typedSpec as unknown as DescribedOperation;
  const [method, path] = spec.route.split(' ') as [HttpMethod, string];
  const build = (context: ResourceContext, name: string): F =>
    (async (...values: unknown[]) => {
      const options = values[spec.args.length] as RequestOptions | undefined;
      const request = buildRequest(spec, { method, path, options }, values, name);
      // Nothing is sent when a check failed.
      if (!('method' in request)) return failedResult(spec.result, request);
      if (spec.issuesTokens && context.tokenExpiry !== undefined) {
        request.body = { ...(request.body as WireObject), token_expiry: context.tokenExpiry };
      }
      const response = await context.send(request);
      if (response.error) return failedResult(spec.result, response.error);
      spec.ends?.(context.endings, values);
      const answer = response.data ?? {};
      const result = spec.readAnswer ? spec.readAnswer(answer) : readResult(spec.result, answer);
      // `readAnswer` may return a whole failed result (the login MFA challenge).
      if (!('error' in result)) result.error = null;
      return result;
    }) as F;
  return Object.assign(build, { routes: [spec.route], spec });
}

/**
 * Checks every argument in order and builds the request, or returns the first failed check
 * (status 0: nothing is sent). A value goes in the request only once it passed its check
 * (`encodeURIComponent` throws on what the checks refuse).
 */
function buildRequest(
  spec: DescribedOperation,
  request: ApiRequest,
  values: readonly unknown[],
  name: string,
): ApiRequest | ProtektApiError {
  const { args } = spec;
  let body: WireObject | undefined;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    const value = values[index];
    if (arg.in === 'params') {
      const given = value === undefined && arg.optional ? {} : value;
      // Own properties only: an `email` or `metadata` on a polluted Object.prototype is not sent.
      const params = isRecord(given) ? ownProps(given) : given;
      const refusal = checkParams(params, arg.fields, name, arg.check);
      if (refusal) return refusal;
      body = { ...body, ...paramsToWire(params as WireObject, arg.fields) };
      continue;
    }
    if (arg.in === 'bearer' && arg.optional && value === undefined) continue;
    const refusal = arg.in === 'bearer' ? accessToken(value, arg.name) : arg.rule(value, arg.name);
    if (refusal) return refusal;
    if (arg.in === 'bearer') request.accessToken = value as string;
    else if (arg.in === 'path')
      request.path = request.path.replace(`{${arg.name}}`, () =>
        encodeURIComponent(value as string),
      );
    else body = { ...body, [arg.wire]: value };
  }
  const refusal = spec.checkArgs?.(values);
  if (refusal) return refusal;
  if (request.method === 'GET') {
    if (body) request.query = new URLSearchParams(body as Record<string, string>).toString();
  } else if (body || spec.completeBody) {
    request.body = spec.completeBody ? spec.completeBody(body ?? {}) : body;
  }
  return request;
}

/**
 * Checks a parameter object of the method `name`: a plain object, each field's rule in order,
 * then the rule across its fields. Returns the first failure, or `null`.
 */
export function checkParams(
  params: unknown,
  fields: Readonly<Record<string, FieldSpec>>,
  name: string,
  checkAcross?: (params: WireObject) => InputCheck,
): InputCheck {
  if (!isRecord(params)) {
    return inputError('invalid_request', name, 'expects an object of parameters as its argument.', {
      field: 'params',
    });
  }
  for (const key of Object.keys(fields)) {
    const refusal = fields[key]!.rule(params[key], key);
    if (refusal) return refusal;
  }
  return checkAcross?.(params) ?? null;
}

/** The fields of a checked parameter object that are set, under their wire names. */
function paramsToWire(params: WireObject, fields: Readonly<Record<string, FieldSpec>>): WireObject {
  const out: WireObject = {};
  for (const key of Object.keys(fields))
    if (params[key] !== undefined) out[fields[key]!.wire] = params[key];
  return out;
}
