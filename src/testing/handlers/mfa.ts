/** MFA: enrollment (TOTP, SMS), login challenges, backup codes, removal. */
import { fail } from '../http.js';
import type { Handler } from '../state.js';

/** POST /auth/mfa/enroll */
export const enroll: Handler = async () => fail('invalid_request', 'not yet');
/** POST /auth/mfa/verify */
export const verify: Handler = async () => fail('invalid_request', 'not yet');
/** DELETE /auth/mfa/unenroll */
export const unenroll: Handler = async () => fail('invalid_request', 'not yet');
/** POST /auth/mfa/backup-codes */
export const backupCodes: Handler = async () => fail('invalid_request', 'not yet');
