/**
 * `@protekt/node/server`: the emulator over HTTP on Node (`serveEmulator`), for tests and local
 * development in any language. Node only; the emulator itself is `@protekt/node/testing`.
 *
 * @example
 * import { serveEmulator } from '@protekt/node/server';
 * const server = await serveEmulator({ port: 0 });
 * // server.baseUrl, server.emulator.project.loginId, … then:
 * await server.close();
 */
export {
  serveEmulator,
  type ServeEmulatorOptions,
  type EmulatorServer,
  type OutboxListener,
} from './serve.js';
export type { Emulator, EmulatorOptions, OutboxMessage } from '../testing/index.js';
