/**
 * Every redirect flow in a real browser: headless Chromium clicks through the emulator's hosted
 * pages, the fake identity provider and the dashboard, and lands on an application whose callback
 * route uses `auth.handleCallback`. Screenshots of the hosted login page and the dashboard go to
 * docs/images/ (shown in docs/emulator.md).
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/testing/index.js';
import { startHarness, type Harness } from './_harness.js';

const images = fileURLToPath(new URL('../../docs/images/', import.meta.url));
const PASSWORD = 'correct horse battery';

let h: Harness;
let page: Page;

beforeAll(async () => {
  mkdirSync(images, { recursive: true });
  h = await startHarness();
});
afterAll(() => h?.close());

async function newPage(): Promise<Page> {
  page = await h.browser.newPage({ viewport: { width: 1100, height: 760 } });
  return page;
}

/** Waits for the application's callback page and returns what the callback route resolved. */
async function landed(p: Page) {
  await p.waitForURL((url) => url.href.startsWith(h.callback), { timeout: 10_000 });
  await p.locator('#result').waitFor();
  const seen = h.seen.at(-1)!;
  expect(await p.locator('#result').textContent()).toBe(
    seen.error ? `Sign-in failed: ${seen.error}` : `Signed in as ${seen.email}`,
  );
  return seen;
}

async function signUp(email: string) {
  const result = await h.protekt.auth.signUp({ email, password: PASSWORD });
  expect(result.error).toBeNull();
  return result;
}

describe('hosted login', () => {
  it('signs in with a password, redirects, and handleCallback verifies the token', async () => {
    await signUp('ada@example.com');
    h.expectState = 'state-1';
    const p = await newPage();
    await p.goto(h.protekt.auth.getLoginUrl({ redirectUrl: h.callback, state: 'state-1' }));
    await p.screenshot({ path: `${images}hosted-login.png` });
    await p.fill('#email', 'ada@example.com');
    await p.fill('#password', PASSWORD);
    await p.press('#password', 'Enter');
    const seen = await landed(p);
    expect(seen).toMatchObject({ email: 'ada@example.com', error: null });
    expect(seen.refreshToken).toMatch(/\S/);
    expect((await h.protekt.auth.verifyToken(seen.accessToken!)).error).toBeNull();
    await p.close();
  });

  it('asks a user with MFA for a code, then signs in', async () => {
    const { accessToken } = await signUp('mfa@example.com');
    const enrolled = await h.protekt.mfa.enroll({ method: 'totp' }, accessToken!);
    const secret = new URL(enrolled.totpUri!).searchParams.get('secret')!;
    const clock = h.emulator.emulator.clock;
    const confirmed = await h.protekt.mfa.verify(
      { code: await totp(secret, clock.now()) },
      accessToken!,
    );
    expect(confirmed.error).toBeNull();
    // (The clock stays put: tokens from an emulator ahead of real time are not yet valid.)
    h.expectState = 'state-2';
    const p = await newPage();
    await p.goto(h.protekt.auth.getLoginUrl({ redirectUrl: h.callback, state: 'state-2' }));
    await p.fill('#email', 'mfa@example.com');
    await p.fill('#password', PASSWORD);
    await p.click('button[type=submit]');
    await p.locator('#code').waitFor();
    await p.screenshot({ path: `${images}hosted-mfa.png` });
    await p.fill('#code', await totp(secret, clock.now()));
    await p.press('#code', 'Enter');
    const seen = await landed(p);
    expect(seen).toMatchObject({ email: 'mfa@example.com', error: null });
    expect((await h.protekt.auth.verifyToken(seen.accessToken!)).error).toBeNull();
    await p.close();
  });

  it('refuses a callback whose state is not the one the login started with', async () => {
    await signUp('csrf@example.com');
    h.expectState = 'the-real-state';
    const p = await newPage();
    await p.goto(h.protekt.auth.getLoginUrl({ redirectUrl: h.callback, state: 'forged' }));
    await p.fill('#email', 'csrf@example.com');
    await p.fill('#password', PASSWORD);
    await p.click('button[type=submit]');
    expect(await landed(p)).toMatchObject({ error: 'invalid_request', accessToken: null });
    await p.close();
  });
});

describe('social and SSO through the fake identity provider', () => {
  it('social login: the provider page, then back to the application', async () => {
    h.expectState = 'social';
    const p = await newPage();
    const url = h.protekt.auth.getSocialLoginUrl({
      provider: 'github',
      redirectUrl: h.callback,
      state: 'social',
    });
    await p.goto(url);
    await p.fill('#email', 'octo@example.com');
    await p.click('button[type=submit]');
    const seen = await landed(p);
    expect(seen).toMatchObject({ email: 'octo@example.com', error: null });
    const { user } = await h.protekt.auth.verifyToken(seen.accessToken!);
    expect(user?.metadata).toMatchObject({ provider: 'github' });
    await p.close();
  });

  it('SSO by e-mail domain, with the name and groups the identity provider sends', async () => {
    h.expectState = 'sso';
    const p = await newPage();
    const url = h.protekt.auth.getSsoUrl({
      email: 'jane@acme.com',
      redirectUrl: h.callback,
      state: 'sso',
    });
    expect(new URL(url).searchParams.get('provider')).toBe('acme.com');
    await p.goto(url);
    await p.fill('#email', 'jane@acme.com');
    await p.fill('#name', 'Jane Doe');
    await p.fill('#groups', 'engineering, admins');
    await p.click('button[type=submit]');
    const seen = await landed(p);
    const { user, claims } = await h.protekt.auth.verifyToken(seen.accessToken!);
    expect(user?.metadata).toMatchObject({
      sso_connection: 'acme-okta',
      given_name: 'Jane',
      groups: ['engineering', 'admins'],
    });
    expect(claims?.['groups']).toEqual(['engineering', 'admins']);
    await p.close();
  });
});

describe('links from the outbox', () => {
  it('a magic link clicked in the dashboard outbox signs the user in', async () => {
    h.expectState = undefined;
    const sent = await h.protekt.auth.sendMagicLink({
      email: 'magic@example.com',
      redirectUrl: h.callback,
    });
    expect(sent.error).toBeNull();
    const p = await newPage();
    await p.goto(`${h.emulator.url}/_emulator/outbox?to=magic@example.com`);
    await p.screenshot({ path: `${images}dashboard-outbox.png` });
    await p.click('text=Open the magic link');
    const seen = await landed(p);
    expect(seen).toMatchObject({ email: 'magic@example.com', error: null });
    expect((await h.protekt.auth.verifyToken(seen.accessToken!)).error).toBeNull();
    await p.close();
  });

  it('a password reset through the e-mailed link, then a sign-in with the new password', async () => {
    await signUp('reset@example.com');
    await h.protekt.auth.requestPasswordReset({ email: 'reset@example.com' });
    const { link } = h.emulator.emulator.outbox.last({
      to: 'reset@example.com',
      kind: 'password_reset',
    })!;
    h.expectState = undefined;
    const p = await newPage();
    await p.goto(link!);
    await p.fill('#new_password', 'short');
    // The browser's own minlength check holds the form back; the emulator checks again.
    await p.evaluate(() => document.querySelector('form')!.setAttribute('novalidate', ''));
    await p.click('button[type=submit]');
    await p.locator('[role=alert]').waitFor();
    expect(await p.locator('[role=alert]').textContent()).toMatch(/8/);
    await p.fill('#new_password', 'a brand new password');
    await p.click('button[type=submit]');
    await p.locator('#password').waitFor();
    await p.fill('#email', 'reset@example.com');
    await p.fill('#password', 'a brand new password');
    await p.click('button[type=submit]');
    expect(await landed(p)).toMatchObject({ email: 'reset@example.com', error: null });
    await p.close();
  });
});

describe('dashboard', () => {
  it('disabling a user there makes their token refused', async () => {
    const { accessToken } = await signUp('disable-me@example.com');
    expect((await h.protekt.auth.verifyToken(accessToken!)).error).toBeNull();
    const p = await newPage();
    await p.goto(`${h.emulator.url}/_emulator`);
    await p.screenshot({ path: `${images}dashboard-projects.png` });
    await p.click('nav >> text=Users');
    await p.fill('#q', 'disable-me');
    await p.press('#q', 'Enter');
    await p.click('text=disable-me@example.com');
    await p.screenshot({ path: `${images}dashboard-user.png` });
    await p.click('text=Disable user');
    await p.locator('text=Enable user').waitFor();
    const refused = await h.protekt.auth.verifyToken(accessToken!);
    expect(refused.error?.code).toBe('token_revoked');
    await p.close();
  });

  it('works from the keyboard alone: Tab to a link, Enter to follow it', async () => {
    const p = await newPage();
    await p.goto(`${h.emulator.url}/_emulator`);
    await p.keyboard.press('Tab'); // the skip link
    expect(await p.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    for (let i = 0; i < 3; i++) await p.keyboard.press('Tab'); // Projects, Users, Outbox
    expect(await p.evaluate(() => document.activeElement?.textContent)).toBe('Outbox');
    await p.keyboard.press('Enter');
    await p.waitForURL(/\/_emulator\/outbox$/);
    await p.close();
  });
});
