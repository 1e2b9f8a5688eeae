/**
 * Preludes of the docs check: what the prose around a fragment provides, compiled with every block
 * of a page. A fragment that uses a name declared here compiles; any other free name is an error.
 * A block that is a complete example imports what it uses instead (so it can be copied as is).
 *
 * Declared on every page (SHARED_PRELUDE), as global declarations:
 *   protekt             a client, `new Protekt({ loginId, apiKey })` (`Protekt<DefaultMetadata>`)
 *   loginId, apiKey     the project's credentials
 *   token, accessToken  an access token, as the request carried it
 *   email, password, code   what the user typed
 * Every block is a module of its own, so a block that declares one of these names itself
 * (`const protekt = new Protekt<Meta>(…)`) shadows it.
 *
 * PAGE_PRELUDES adds, per page (a path from the repository root, or `protekt:<page>` for the
 * Protekt docs' pages), the few names that page's fragments share (`app`, `emulator`, `env`, your
 * app's own functions), stand-in modules for the files of an example a block imports relatively
 * (`./jwks-cache`), and the part of a third-party package's types a block uses where the package
 * is not installed here (`@vercel/functions`, Workers' `KVNamespace`, `Deno`, Express' `req`/`res`),
 * written with that package's own signatures.
 */
import type { Prelude } from './_compile';

export const SHARED_PRELUDE = `
declare const protekt: import('@protekt/node').Protekt;
declare const loginId: string;
declare const apiKey: string;
declare const token: string;
declare const accessToken: string;
declare const email: string;
declare const password: string;
declare const code: string;
`;

/** `KVNamespace` of @cloudflare/workers-types (the overloads the pages use), a Workers global. */
const WORKERS_KV = `
interface KVNamespacePutOptions {
  expiration?: number;
  expirationTtl?: number;
  metadata?: any | null;
}
interface KVNamespace<Key extends string = string> {
  get(key: Key, type: 'text'): Promise<string | null>;
  get<ExpectedValue = unknown>(key: Key, type: 'json'): Promise<ExpectedValue | null>;
  put(key: Key, value: string | ArrayBuffer | ArrayBufferView | ReadableStream, options?: KVNamespacePutOptions): Promise<void>;
  delete(key: Key): Promise<void>;
}
`;

/** `Deno.serve` and `Deno.env` as Deno's own lib.deno.ns.d.ts declares them (the parts used). */
const DENO = `
declare namespace Deno {
  interface ServeHandlerInfo { remoteAddr: { transport: 'tcp' | 'udp'; hostname: string; port: number } }
  type ServeHandler = (request: Request, info: ServeHandlerInfo) => Response | Promise<Response>;
  interface ServeOptions { port?: number; hostname?: string; signal?: AbortSignal }
  interface HttpServer { finished: Promise<void>; shutdown(): Promise<void> }
  function serve(options: ServeOptions, handler: ServeHandler): HttpServer;
  function serve(handler: ServeHandler): HttpServer;
  const env: { get(key: string): string | undefined };
}
`;

/** `next` of @vercel/functions (middleware.d.ts): `request.headers` replaces the request's. */
const VERCEL_FUNCTIONS = `
declare module '@vercel/functions' {
  export interface ModifiedRequest { headers?: Headers }
  export interface ExtraResponseInit extends Omit<ResponseInit, 'headers'> {
    headers?: HeadersInit;
    request?: ModifiedRequest;
  }
  export function next(init?: ExtraResponseInit): Response;
}
`;

/**
 * An Express route's `req` and `res` (with express-session's `req.session`): the members the pages
 * use, with Express 5's signatures (@types/express is not installed here).
 */
const EXPRESS = `
interface ExpressResponse {
  status(code: number): ExpressResponse;
  json(body: unknown): ExpressResponse;
  set(field: string, value: string): ExpressResponse;
  redirect(url: string): void;
}
declare const req: { headers: Record<string, string | undefined>; session: Record<string, unknown> };
declare const res: ExpressResponse;
`;

/** The `Protekt` a page's first blocks import, for its later blocks that use it without. */
const PROTEKT_CLASS = `declare const Protekt: typeof import('@protekt/node').Protekt;`;

export const PAGE_PRELUDES: Record<string, Partial<Prelude>> = {
  'README.md': {
    globals: `declare const oldRefreshToken: string;
/** The web Request a route guard answers. */
declare const request: Request;`,
  },
  'docs/emulator.md': {
    globals: `declare const emulator: import('@protekt/node/testing').Emulator;`,
  },
  'docs/error-handling.md': {
    globals: `
type MfaMethod = import('@protekt/node').MfaMethod;
/** Your app: asks the user for the second factor. */
declare function askForCode(mfaToken: string, methods: MfaMethod[]): Response;
/** Your app: answers with a status and an error code. */
declare function reply(status: number, code: string): Response;
/** Your app: offers a passkey. */
declare function showPasskeyPrompt(): void;
`,
  },
  'docs/middleware.md': {
    globals: `
declare const app: import('hono').Hono<{ Variables: import('@protekt/node/hono').ProtektVariables }>;
/** Your app, given the client (a Hono app). */
declare function buildApp(protekt: import('@protekt/node').Protekt): import('hono').Hono;
/** examples/node-express/require-auth.mjs: the bearer token, else the protekt_access cookie. */
declare function tokenOf(req: { headers: Record<string, string | undefined> }): string | undefined;
${WORKERS_KV}
${DENO}
${VERCEL_FUNCTIONS}
`,
    modules: {
      // examples/cloudflare-worker/src/jwks-cache.ts
      'jwks-cache.d.ts': `
export declare function kvJwksCache(kv: KVNamespace): import('@protekt/node').JwksCacheStore;
`,
      // examples/node-express/protekt.mjs
      'protekt.d.mts': `export declare const protekt: import('@protekt/node').Protekt;`,
    },
  },
  'docs/tokens.md': {
    globals: `
${WORKERS_KV}
/** A Worker's bindings. */
declare const env: { PROTEKT_LOGIN_ID: string; PROTEKT_API_KEY: string; KV: KVNamespace };
`,
  },
  'protekt:overview.md': {
    globals: `
declare const existingRefreshToken: string;
declare const sessionId: string;
`,
  },
  'protekt:installation.md': {
    globals: `
${PROTEKT_CLASS}
declare const tenant: { loginId: string; apiKey: string };
`,
  },
  'protekt:error-handling.md': {
    globals: `
${PROTEKT_CLASS}
${EXPRESS}
`,
  },
};

/** The prelude of a page. */
export function preludeOf(pageKey: string): Prelude {
  const page = PAGE_PRELUDES[pageKey] ?? {};
  return { globals: SHARED_PRELUDE + (page.globals ?? ''), modules: page.modules ?? {} };
}
