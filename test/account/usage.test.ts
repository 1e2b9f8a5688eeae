/**
 * `usage.get` counts what happened on the Auth API, on the emulator's clock: MAU (distinct users
 * who authenticated), logins, tokens issued, passwordless and SSO logins, per project and for the
 * organisation, within from/to.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Protekt } from '../../src/index.js';
import {
  type AccountHarness,
  NEW_PROJECT,
  accountHarness,
  projectClient,
  signIn,
} from './_support.js';

const PASSWORD = 'correct horse battery';
const MARCH_10 = Date.UTC(2026, 2, 10, 12);
let h: AccountHarness;
let projectId: string;
let otherId: string;

/** Signs `email` in through the social-login flow of the fake identity provider. */
async function socialLogin(app: Protekt, email: string): Promise<void> {
  let url = app.auth.getSocialLoginUrl({ provider: 'github' });
  for (let hop = 0; hop < 6; hop++) {
    const at = new URL(url);
    if (at.origin === 'http://localhost:3000') {
      expect(at.searchParams.get('token')).toBeTruthy();
      return;
    }
    if (at.pathname.endsWith('/_idp/authorize')) at.searchParams.set('email', email);
    const answer = await h.emulator.fetch(at.toString(), { redirect: 'manual' });
    url = new URL(answer.headers.get('location')!, at).toString();
  }
  throw new Error('the social login did not come back to the app');
}

beforeAll(async () => {
  h = await accountHarness({ now: MARCH_10 });
  const admin = h.client();
  const app = projectClient(h.emulator, h.emulator.project.loginId, h.emulator.project.apiKey);
  projectId = h.emulator.project.projectId;
  // The default project: a sign-up, a login and a refresh by Ada; a one-time code for Bo; Cy
  // through a social provider.
  await app.auth.signUp({ email: 'ada@example.org', password: PASSWORD });
  const login = await app.auth.login({ email: 'ada@example.org', password: PASSWORD });
  await app.auth.refreshToken(login.refreshToken!);
  await app.auth.sendOtp({ email: 'bo@example.org' });
  const otp = h.emulator.outbox.last({ to: 'bo@example.org', kind: 'otp' })!.code!;
  expect((await app.auth.verifyOtp({ email: 'bo@example.org', otp })).error).toBeNull();
  await socialLogin(app, 'cy@example.org');
  // Another project of the organisation: Di signs up.
  const { project } = await admin.projects.create(NEW_PROJECT);
  otherId = project!.id;
  const { apiKey } = await admin.apiKeys.create({ projectId: otherId, label: 'k' });
  await projectClient(h.emulator, project!.loginId, apiKey!.key!).auth.signUp({
    email: 'di@example.org',
    password: PASSWORD,
  });
  // April: Ada logs in once more.
  h.emulator.clock.set(Date.UTC(2026, 3, 2, 9));
  await app.auth.login({ email: 'ada@example.org', password: PASSWORD });
});

describe('usage', () => {
  const march = { from: '2026-03-01', to: '2026-03-31' };

  it('counts the organisation within the period', async () => {
    const client = h.client({ managementToken: await signIn(h.emulator, h.emulator.account) });
    const { usage } = await client.usage.get(march);
    expect(usage).toEqual({
      period: march,
      mau: 4,
      totalLogins: 5,
      tokensIssued: 6,
      passwordlessLogins: 1,
      ssoLogins: 1,
    });
  });

  it('counts one project, and the default period is this month up to today', async () => {
    const client = h.client({ managementToken: await signIn(h.emulator, h.emulator.account) });
    expect((await client.usage.get({ ...march, projectId })).usage).toMatchObject({
      mau: 3,
      totalLogins: 4,
      tokensIssued: 5,
    });
    expect((await client.usage.get({ ...march, projectId: otherId })).usage).toMatchObject({
      mau: 1,
      totalLogins: 1,
    });
    expect((await client.usage.get()).usage).toEqual({
      period: { from: '2026-04-01', to: '2026-04-02' },
      mau: 1,
      totalLogins: 1,
      tokensIssued: 1,
      passwordlessLogins: 0,
      ssoLogins: 0,
    });
    // A user active in both months counts once.
    expect((await client.usage.get({ from: '2026-03-01', to: '2026-04-30' })).usage?.mau).toBe(4);
    expect(
      (await client.usage.get({ from: '2026-02-01', to: '2026-02-28' })).usage?.totalLogins,
    ).toBe(0);
  });
});
