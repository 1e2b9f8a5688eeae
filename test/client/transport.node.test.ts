// The tests of _transport.ts over real HTTP to an emulator on 127.0.0.1 (Node only: a server).
import { startHarness } from '../support/emulator.js';
import { transportTests } from './_transport.js';

transportTests('http', startHarness);
