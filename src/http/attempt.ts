/**
 * One attempt of a call: the request sent and its answer read in full, under a per-attempt timer
 * joined with the caller's signal. Whatever goes wrong comes out as one {@link ProtektError}.
 */
import { ProtektError } from '../errors/protekt-error.js';
import { readBounded } from '../util/bytes.js';
import { abortedError } from './abort.js';
import { type Answer, CHECK_BASE_URL, readAnswer } from './answer.js';
import type { Call } from './transport.js';

/** Largest answer body the client reads; no Protekt answer comes near it. */
export const MAX_BODY_BYTES = 1 << 20;

// The reason an attempt's controller aborts with when its timer fires (the caller's abort has the
// caller's reason), so that a timeout can be told from an abort.
const TIMED_OUT = Symbol();

// One decoder shared by every answer (created on first use), not a new one per answer, a cost on
// every call; sharing is safe because `decode` without `stream` keeps no state between calls.
let sharedDecoder: TextDecoder | undefined;

/**
 * Runs one attempt: sends the request and reads the whole answer, within the per-attempt timeout
 * and the caller's signal. Resolves with the answer, or with the {@link ProtektError} from
 * {@link classifyThrown} when there is none.
 *
 * The timer is joined with the caller's signal by hand (Node 18 lacks `AbortSignal.any`), and the
 * attempt is raced against that joint abort, so a `fetch` option (or a body stream) that ignores
 * its signal still ends at the timeout or the caller's abort instead of hanging the call. The body
 * is read under the same timer: a stalled body times out too. The race is lost by a promise this
 * code rejects itself, not by an abort listener on the attempt's own signal: such a listener costs
 * more than the rest of the client's work on Node 20.
 */
export async function runAttempt(call: Call): Promise<Answer | ProtektError> {
  const { signal } = call;
  const controller = new AbortController();
  let rejectStopped!: (reason: unknown) => void;
  const stopped = new Promise<never>((_, reject) => {
    rejectStopped = reject;
  });
  // Marked handled at once: a `fetch` option may abort the caller's signal and throw before the
  // race.
  stopped.catch(() => {});
  const stop = (reason: unknown): void => {
    controller.abort(reason);
    rejectStopped(reason);
  };
  const timer = setTimeout(stop, call.timeout, TIMED_OUT);
  const onCallerAbort = (): void => stop(signal!.reason);
  signal?.addEventListener('abort', onCallerAbort);
  try {
    return await Promise.race([fetchAndRead(call, controller.signal), stopped]);
  } catch (thrown) {
    return classifyThrown(thrown, call, controller.signal.reason === TIMED_OUT);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onCallerAbort);
  }
}

/** Sends the request with the attempt's signal, then reads the answer's body (bounded). */
async function fetchAndRead(call: Call, attemptSignal: AbortSignal): Promise<Answer> {
  const response = await (call.fetch ?? fetch)(call.url, { ...call.init, signal: attemptSignal });
  const bytes = await readBounded(response, MAX_BODY_BYTES);
  if (!bytes) {
    const message = `Protekt's answer to ${call.method} ${call.path} is larger than ${MAX_BODY_BYTES} bytes: ${CHECK_BASE_URL}.`;
    throw new ProtektError('invalid_response', message, { status: response.status });
  }
  sharedDecoder ??= new TextDecoder();
  return readAnswer(response, sharedDecoder.decode(bytes));
}

/**
 * Names what ended an attempt without an answer: a {@link ProtektError} already made (an answer
 * over the size limit) as is, else the caller's abort, the per-attempt timeout, or a network error.
 */
export function classifyThrown(thrown: unknown, call: Call, timedOut: boolean): ProtektError {
  if (thrown instanceof ProtektError) return thrown;
  const { signal, timeout, method, path } = call;
  if (signal?.aborted) return abortedError(signal.reason);
  if (timedOut) {
    const message = `Protekt did not answer ${method} ${path} within the ${timeout} ms timeout: check the network, or raise the timeout option.`;
    return new ProtektError('timeout', message, { details: { timeout } });
  }
  // The origin is no secret (the baseUrl option's); the query string is left out: it may carry an
  // e-mail.
  const message = `Could not reach Protekt at ${new URL(call.baseUrl).origin} for ${method} ${path} (see the cause): check the network and the baseUrl option.`;
  return new ProtektError('network_error', message, { cause: networkCause(thrown, call.apiKey) });
}

/**
 * What a network failure's cause keeps: the error's `name` and `code` (`TypeError`,
 * `ECONNREFUSED`, `UND_ERR_SOCKET`; Node's fetch puts the code on its own cause), never its
 * message or anything else it holds: a `fetch` option's message may echo the request's headers,
 * and some runtimes attach the request itself. Each is kept only when it looks like a name.
 */
function networkCause(thrown: unknown, apiKey: string): Error {
  const named = (value: unknown): string | undefined =>
    typeof value === 'string' &&
    /^[\w.-]{1,64}$/.test(value) &&
    (apiKey === '' || !value.includes(apiKey))
      ? value
      : undefined;
  let name = 'Error';
  let code: string | undefined;
  try {
    const error = Object(thrown) as { name?: unknown; code?: unknown; cause?: unknown };
    name = named(error.name) ?? name;
    code = named(error.code) ?? named((Object(error.cause) as { code?: unknown }).code);
  } catch {
    // A getter that throws: the cause is a plain "Error".
  }
  const cause = new Error(code ? `${name} ${code}` : name);
  return Object.assign(cause, code ? { name, code } : { name });
}
