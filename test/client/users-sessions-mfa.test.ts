// The users, sessions and mfa resources, the client reaching the emulator in-process (every runtime);
// over real HTTP in users-sessions-mfa.node.test.ts (Node only).
import { startHarness } from '../support/harness.js';
import { usersSessionsMfaTests } from './_users-sessions-mfa.js';

usersSessionsMfaTests('in-process', startHarness);
