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
export declare const BUDGETS: { client: number; middleware: number };
/** Sizes as recorded in bench/size-report.json. */
export interface SizeSnapshot {
  client: { gzip: number; raw: number };
  middleware: { gzip: number; raw: number };
  /** Gzip bytes the middleware adds to a bundle that has the client. */
  middlewareBeyondClient?: number;
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
