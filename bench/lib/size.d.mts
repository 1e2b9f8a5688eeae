/** Types of bench/lib/size.mjs (imported by test/size/size.test.ts). */
export interface InputShare {
  path: string;
  bytes: number;
}
export interface Measured {
  raw: number;
  gzip: number;
  inputs: InputShare[];
  code: Uint8Array;
}
export declare const BUDGETS: {
  client: number;
  middleware: number;
  adapter: number;
  verify: number;
};
/** Apps that only verify tokens (issue 19). */
export declare const VERIFY_ENTRIES: Record<'worker' | 'honoApp', string>;
/** The verify-only Worker, and what a verify-only guard adds to a minimal Hono app (gzip). */
export declare function measureVerifyOnly(): Promise<{
  worker: Measured;
  honoApp: Measured;
  honoAppDelta: number;
}>;
/** An adapter's gzip bytes alone (framework external) and beyond the client. */
export interface AdapterSize {
  alone: number;
  beyondClient: number;
}
/** The adapters' source entries, by subpath name. */
export declare const ADAPTERS: Record<string, string>;
export declare function measureAdapters(client: Measured): Promise<Record<string, AdapterSize>>;
/** Sizes as recorded in bench/size-report.json. */
export interface SizeSnapshot {
  client: { gzip: number; raw: number };
  middleware: { gzip: number; raw: number };
  /** Gzip bytes the middleware adds to a bundle that has the client. */
  middlewareBeyondClient?: number;
  /** Each framework adapter's size. */
  adapters?: Record<string, AdapterSize>;
  /** Minified bytes per source file in the client bundle. */
  clientFiles: Record<string, number>;
}
export declare const ENTRIES: Record<
  'client' | 'middleware' | 'honoApp' | 'honoAppWithMiddleware',
  string
>;
export declare const PEER_ENTRIES: Record<string, string>;
export declare function measure(code: string, options?: { external?: string[] }): Promise<Measured>;
export declare function measureBudgets(): Promise<{
  client: Measured;
  middleware: Measured;
  middlewareBeyondClient: number;
  honoApp: Measured;
  honoAppWithMiddleware: Measured;
  middlewareDelta: number;
  adapters: Record<string, AdapterSize>;
}>;
export declare function measurePeers(): Promise<Record<string, Measured>>;
export declare function sizeSnapshot(
  budgets: Awaited<ReturnType<typeof measureBudgets>>,
): SizeSnapshot;
export declare function sizeChanges(
  recorded: SizeSnapshot,
  current: SizeSnapshot,
  threshold?: number,
): string[];
