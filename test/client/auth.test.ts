// The auth resource end to end, the client reaching the emulator in-process (every runtime);
// over real HTTP in auth.node.test.ts (Node only).
import { startHarness } from '../support/harness.js';
import { authTests } from './_auth.js';

authTests('in-process', startHarness);
