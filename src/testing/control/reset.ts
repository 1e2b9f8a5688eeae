/** The control plane's reset: an emulator as freshly started, keeping its projects and keys. */
import type { FaultRegistry } from '../faults.js';
import type { EmulatorState } from '../state.js';

/**
 * Forgets every user, session, token, code, link, pending sign-in, idempotency record, rate-limit
 * window and lockout, the outbox, the faults and the request log, and puts the clock back on its
 * initial time base. Projects (with their settings) and signing keys stay, so a running client's
 * configuration and cached JWKS remain valid.
 */
export function resetEmulator(state: EmulatorState, faults: FaultRegistry): void {
  const { store } = state;
  const maps: Map<string, unknown>[] = [
    store.users,
    store.sessions,
    store.refreshTokens,
    store.revokedJtis,
    store.mfaChallenges,
    store.otps,
    store.magicLinks,
    store.resetTokens,
    store.verificationTokens,
    store.ssoRequests,
    store.ssoCodes,
    store.idempotency,
  ];
  for (const map of maps) map.clear();
  for (const index of store.emailIndex.values()) index.clear();
  state.limiter.clearAll();
  state.lockout.clearAll();
  state.outbox.clear();
  faults.clear();
  faults.clearRequests();
  state.clock.reset();
}
