/**
 * Usage: what the Auth API counts as it works (sessions opened, tokens signed), and
 * `GET /usage`, which sums it over a period for a project or a whole organisation.
 */
import { isIsoDate } from '../../util/account.js';
import { fail, json } from '../http.js';
import { dayOf } from './store.js';
import { type AccountHandler, callerOf } from './context.js';
import { orgProject } from './projects.js';

/** A `YYYY-MM-DD` query date that is a real day, or a 400 naming the field. */
function readDate(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (!isIsoDate(value))
    fail('invalid_request', `The query parameter "${field}" must be a date (YYYY-MM-DD).`, {
      field,
    });
  return value as string;
}

/**
 * GET /usage: the period is `from`..`to` inclusive (UTC days); `to` defaults to today on the
 * emulator clock, `from` to the first day of `to`'s month. MAU counts the distinct users who
 * authenticated within the period.
 */
export const getUsage: AccountHandler = async (c) => {
  const to = readDate(c.query['to'], 'to') ?? dayOf(c.now);
  const from = readDate(c.query['from'], 'from') ?? `${to.slice(0, 8)}01`;
  if (from > to)
    fail('invalid_request', 'The period starts after it ends ("from" > "to").', { field: 'from' });
  const projectId = c.query['project_id'] as string | undefined;
  if (projectId !== undefined) orgProject(c, projectId);
  const totals = {
    mau: 0,
    total_logins: 0,
    tokens_issued: 0,
    passwordless_logins: 0,
    sso_logins: 0,
  };
  const users = new Set<string>();
  for (const day of c.state.account.usage.values()) {
    if (day.organizationId !== callerOf(c).organizationId || day.day < from || day.day > to)
      continue;
    if (projectId !== undefined && day.projectId !== projectId) continue;
    totals.total_logins += day.logins;
    totals.tokens_issued += day.tokensIssued;
    totals.passwordless_logins += day.passwordlessLogins;
    totals.sso_logins += day.ssoLogins;
    for (const user of day.users) users.add(user);
  }
  totals.mau = users.size;
  return json({ period: { from, to }, ...totals });
};
