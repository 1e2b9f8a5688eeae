/** `protekt.usage`: what happened on the Auth API (MAU, logins, tokens), on the Account API. */
import type { RequestOptions, UsageResult, UsageStats } from '../types.js';
import { day } from './account-rules.js';
import { type MethodTable, field, operation, paramsArg } from './operation.js';
import { inputError, optional, pathId } from './validate.js';
import { own } from '../util/record.js';
import { numberField, readObject, stringField, type WireObject } from './wire.js';

/** Parameters of `usage.get`. */
export interface GetUsageParams {
  /** One project (`proj_…`); default: the whole organisation. */
  projectId?: string | undefined;
  /** First day counted, `YYYY-MM-DD` (default: the first day of `to`'s month). */
  from?: string | undefined;
  /** Last day counted, `YYYY-MM-DD` (default: today). */
  to?: string | undefined;
}

/** The `usage` resource (needs the `managementToken` option). */
export interface UsageResource {
  /** Usage within a period (both days included), for a project or the organisation. */
  get(params?: GetUsageParams, options?: RequestOptions): Promise<UsageResult>;
}

const count = numberField;

/** Reads a wire `UsageStats`. */
const readUsage = (answer: WireObject): UsageStats =>
  readObject(
    {
      period: (value) =>
        readObject(
          { from: stringField('from'), to: stringField('to') },
          own(value, 'period'),
          'period',
        ),
      mau: count('mau'),
      totalLogins: count('total_logins'),
      tokensIssued: count('tokens_issued'),
      passwordlessLogins: count('passwordless_logins'),
      ssoLogins: count('sso_logins'),
    },
    answer,
    'usage',
  ) as unknown as UsageStats;

/** @internal The methods of `usage`, built per client by `buildResource()`. */
export const USAGE_METHODS = {
  get: operation({
    route: 'GET /usage',
    args: [
      paramsArg<GetUsageParams>(
        {
          projectId: field('project_id', optional(pathId)),
          from: field('from', day),
          to: field('to', day),
        },
        {
          optional: true,
          check: ({ from, to }) =>
            typeof from === 'string' && typeof to === 'string' && from > to
              ? inputError('invalid_request', 'from', 'must not be after to.')
              : null,
        },
      ),
    ],
    result: { usage: readUsage },
  }),
} satisfies MethodTable<UsageResource>;
