/** The outbox: everything a real Protekt would have e-mailed or texted. */

/** Why a message was sent. */
export type OutboxKind =
  | 'otp'
  | 'magic_link'
  | 'password_reset'
  | 'email_verification'
  | 'mfa_sms'
  | 'mfa_enroll_sms'
  /** An invitation to join an organisation (Account API); `projectId` is the organisation's id. */
  | 'member_invitation';

/** One message a real service would have delivered. */
export interface OutboxMessage {
  /** The e-mail address or E.164 phone number. */
  readonly to: string;
  /** How it would have been delivered. */
  readonly channel: 'email' | 'sms';
  /** What it is. */
  readonly kind: OutboxKind;
  /** The numeric code, for OTP and SMS MFA messages. */
  readonly code?: string;
  /** The token, for magic links, password resets and e-mail verification. */
  readonly token?: string;
  /** The full link, for magic links, password resets and e-mail verification. */
  readonly link?: string;
  /** The project that sent it. */
  readonly projectId: string;
  /** When it was sent (emulator clock, ms). */
  readonly at: number;
}

/** A filter for {@link Outbox.last}. */
export interface OutboxFilter {
  /** Recipient (e-mail compared case-insensitively). */
  to?: string;
  /** Message kind. */
  kind?: OutboxKind;
}

/** Read access to the messages, for tests. */
export interface Outbox {
  /** The latest 10 000 messages, oldest first. */
  readonly messages: readonly OutboxMessage[];
  /** The newest message matching the filter, or `undefined`. */
  last(filter?: OutboxFilter): OutboxMessage | undefined;
  /** Forgets every message. */
  clear(): void;
  /**
   * Calls `listener` with each message as it is sent (`protekt-emulator` prints them this way);
   * returns a function that stops the calls. A listener that throws does not disturb the request.
   */
  subscribe(listener: (message: OutboxMessage) => void): () => void;
}

/** The outbox plus the emulator-internal `push`. */
export interface WritableOutbox extends Outbox {
  /** Records a message. */
  push(message: OutboxMessage): void;
}

/**
 * How many messages the outbox keeps (the oldest are forgotten first): far more than a test reads,
 * and a bound for a long-running `protekt-emulator` (a message holds at most a ~4 KiB link).
 */
export const MAX_OUTBOX_MESSAGES = 10_000;

/** Creates an empty outbox. */
export function createOutbox(): WritableOutbox {
  const messages: OutboxMessage[] = [];
  const listeners = new Set<(message: OutboxMessage) => void>();
  return {
    get messages() {
      return messages;
    },
    last(filter: OutboxFilter = {}) {
      const to = filter.to?.toLowerCase();
      for (let i = messages.length - 1; i >= 0; i--) {
        const m = messages[i]!;
        if (to !== undefined && m.to.toLowerCase() !== to) continue;
        if (filter.kind !== undefined && m.kind !== filter.kind) continue;
        return m;
      }
      return undefined;
    },
    clear() {
      messages.length = 0;
    },
    push(message: OutboxMessage) {
      const sent = Object.freeze({ ...message });
      messages.push(sent);
      if (messages.length > MAX_OUTBOX_MESSAGES) messages.shift();
      for (const listener of listeners) {
        try {
          listener(sent);
        } catch {
          // a listener's failure is its own
        }
      }
    },
    subscribe(listener: (message: OutboxMessage) => void) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
