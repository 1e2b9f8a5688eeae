/**
 * `@protekt/node/testing`: a local Protekt for tests and development.
 *
 * `createEmulator()` serves the whole Authentication API below `/v1` from memory, behind a
 * `fetch` function; tests read its outbox, move its clock, inject faults and rotate its keys.
 * Web standards and hono only: it runs on Node, workerd, the Edge runtime, Deno and Bun.
 */
export {
  createEmulator,
  type Emulator,
  type EmulatorOptions,
  type SignTokenOptions,
  type IssueAccessTokenOptions,
  type CreateUserOptions,
  type EmulatorStoreView,
  type EmulatorAccount,
} from './emulator.js';
export type { EmulatorClock } from './clock.js';
export type { Outbox, OutboxMessage, OutboxKind, OutboxFilter } from './outbox.js';
export type { Faults, FaultSpec, FaultHandle, RequestRecord } from './faults.js';
export type { SigningAlgorithm, PublicJwk } from './keys.js';
export type { RateLimitOptions, RateLimitRule } from './limits.js';
export type {
  ProjectSettings,
  ResolvedProjectSettings,
  EmulatorProject,
  SsoConnection,
} from './store.js';
export { totp, base32Decode, base32Encode, type TotpOptions } from './totp.js';
