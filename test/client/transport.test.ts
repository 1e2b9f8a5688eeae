// Retries, timeouts and idempotency keys, the client reaching the emulator in-process (every runtime);
// over real HTTP in transport.node.test.ts (Node only).
import { startHarness } from '../support/harness.js';
import { transportTests } from './_transport.js';

transportTests('in-process', startHarness);
