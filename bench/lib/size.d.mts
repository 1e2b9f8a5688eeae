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
/** Ceiling the client is held to until it meets its budget (only ever lowered). */
export declare const CLIENT_CEILING: number;
export declare const ENTRIES: Record<'client' | 'middleware' | 'honoApp' | 'honoAppWithMiddleware', string>;
export declare const PEER_ENTRIES: Record<string, string>;
export declare function measure(code: string, options?: { external?: string[] }): Promise<Measured>;
export declare function measureBudgets(): Promise<{
  client: Measured;
  middleware: Measured;
  honoApp: Measured;
  honoAppWithMiddleware: Measured;
  middlewareDelta: number;
}>;
export declare function measurePeers(): Promise<Record<string, Measured>>;
