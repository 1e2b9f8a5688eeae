// The tests of _auth.ts over real HTTP to an emulator on 127.0.0.1 (Node only: a server).
import { startHarness } from '../support/emulator.js';
import { authTests } from './_auth.js';

authTests('http', startHarness);
