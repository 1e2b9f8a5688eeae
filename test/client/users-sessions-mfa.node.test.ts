// The tests of _users-sessions-mfa.ts over real HTTP to an emulator on 127.0.0.1 (Node only: a server).
import { startHarness } from '../support/emulator.js';
import { usersSessionsMfaTests } from './_users-sessions-mfa.js';

usersSessionsMfaTests('http', startHarness);
