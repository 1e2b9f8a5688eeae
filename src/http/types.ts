/** Types of the HTTP layer shared by the transport and the resources that use it. */
import type { ProtektApiError, RequestOptions } from '../types.js';

/** HTTP methods the API uses. */
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** One API operation to send. */
export interface ApiRequest {
  /** HTTP method. */
  method: HttpMethod;
  /** Path below the base URL, starting with `/` (e.g. `/auth/login`). */
  path: string;
  /** Query string (encoded, without `?`), when not empty. Never logged: it may carry an e-mail. */
  query?: string;
  /** JSON body (already snake_case). */
  body?: unknown;
  /** The user's access token for user-scoped operations, sent as `Authorization: Bearer`. */
  accessToken?: string;
  /** Caller's per-call options. */
  options?: RequestOptions | undefined;
}

/** What came back: the parsed JSON on 2xx, or the API's error (already normalised). */
export interface ApiResponse<T = Record<string, unknown>> {
  /** HTTP status of the final attempt. */
  status: number;
  /** Headers of the final attempt. */
  headers: Headers;
  /** Parsed JSON body on success, else `null`. */
  data: T | null;
  /** The API's error on a 4xx, else `null`. */
  error: ProtektApiError | null;
}
