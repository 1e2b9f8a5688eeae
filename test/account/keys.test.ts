/**
 * API keys on the Auth API: scopes enforced per operation (403 insufficient_permissions), expiry
 * on the emulator clock, deletion at once; and a deleted project's keys and tokens refused.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/contract/index.js';
import { SCOPE_OF_AUTH_ROUTE } from '../../src/contract/account-routes.js';
import type { ApiKeyScope, Protekt } from '../../src/index.js';
import { type AccountHarness, NEW_PROJECT, accountHarness, projectClient } from './_support.js';

const PASSWORD = 'correct horse battery';
const SCOPES: ApiKeyScope[] = ['auth:read', 'auth:write', 'users:read', 'users:write'];
let h: AccountHarness;
let admin: Protekt;

beforeAll(async () => {
  h = await accountHarness();
  admin = h.client();
});

/** A new key of the default project with `scopes`, and a client using it. */
async function keyWith(scopes: ApiKeyScope[], expiresAt?: string) {
  const { apiKey, error } = await admin.apiKeys.create({
    projectId: h.emulator.project.projectId,
    label: scopes.join(' '),
    scopes,
    ...(expiresAt ? { expiresAt } : {}),
  });
  if (error) throw new Error(error.code);
  return {
    key: apiKey!,
    client: projectClient(h.emulator, h.emulator.project.loginId, apiKey!.key!),
  };
}

describe('scopes', () => {
  it('every Auth API operation that takes a key needs its scope: a key without it gets 403', async () => {
    const keys = new Map<ApiKeyScope, string>();
    for (const scope of SCOPES) keys.set(scope, (await keyWith([scope])).key.key!);
    const routes = ROUTES.filter((r) => r.auth.startsWith('apiKey'));
    expect(routes.map((r) => r.id).sort()).toEqual(Object.keys(SCOPE_OF_AUTH_ROUTE).sort());
    for (const route of routes) {
      const url = `https://auth.protekt.io/v1${route.path.replace(/\{\w+\}/g, 'usr_x')}`;
      for (const scope of SCOPES) {
        const init =
          route.method === 'GET'
            ? {}
            : { body: '{}', headers: { 'content-type': 'application/json' } };
        const answer = await h.emulator.fetch(url, {
          method: route.method,
          ...init,
          headers: { ...init.headers, 'x-protekt-key': keys.get(scope)! },
        });
        const body = (await answer.json()) as { error?: { code: string; details?: unknown } };
        if (scope === SCOPE_OF_AUTH_ROUTE[route.id]) {
          expect(`${route.id} ${scope} ${body.error?.code}`).not.toBe(
            `${route.id} ${scope} insufficient_permissions`,
          );
        } else {
          expect(`${route.id} ${scope} ${answer.status} ${body.error?.code}`).toBe(
            `${route.id} ${scope} 403 insufficient_permissions`,
          );
          expect(body.error?.details).toEqual({ required_scope: SCOPE_OF_AUTH_ROUTE[route.id] });
        }
      }
    }
  });

  it('through the SDK: a refusal is a returned error; what the scopes allow works', async () => {
    const reader = await keyWith(['auth:read', 'users:read']);
    const writer = await keyWith(['auth:write']);
    const signUp = await writer.client.auth.signUp({
      email: 'scoped@example.org',
      password: PASSWORD,
    });
    expect(signUp.error).toBeNull();
    expect(
      (await reader.client.auth.signUp({ email: 'no@example.org', password: PASSWORD })).error,
    ).toMatchObject({
      code: 'insufficient_permissions',
      status: 403,
      details: { requiredScope: 'auth:write' },
    });
    expect((await reader.client.users.get(signUp.user!.id)).user?.email).toBe('scoped@example.org');
    expect((await reader.client.auth.verifyToken(signUp.accessToken!)).error).toBeNull();
    expect((await reader.client.users.delete(signUp.user!.id)).error).toMatchObject({
      code: 'insufficient_permissions',
    });
    expect((await writer.client.users.list()).error).toMatchObject({
      code: 'insufficient_permissions',
    });
    expect((await reader.client.sessions.list(signUp.accessToken!)).error).toBeNull();
    expect((await writer.client.sessions.list(signUp.accessToken!)).error).toMatchObject({
      code: 'insufficient_permissions',
    });
  });
});

describe('expiry and deletion', () => {
  it('expires_at is honoured on the emulator clock', async () => {
    const soon = new Date(h.emulator.clock.now() + 60_000).toISOString();
    const { key, client } = await keyWith(['users:read'], soon);
    expect(key.expiresAt).toBe(soon);
    expect((await client.users.list()).error).toBeNull();
    h.emulator.clock.advance(61_000);
    await expect(client.users.list()).rejects.toMatchObject({
      code: 'invalid_api_key',
      status: 401,
    });
    const past = await admin.apiKeys.create({
      projectId: h.emulator.project.projectId,
      label: 'late',
      expiresAt: soon,
    });
    expect(past.error).toMatchObject({
      code: 'invalid_request',
      status: 400,
      details: { field: 'expires_at' },
    });
  });

  it("a deleted key answers 401 at once; the project's other keys keep working", async () => {
    const first = await keyWith(['users:read']);
    const second = await keyWith(['users:read']);
    expect((await admin.apiKeys.delete(first.key.id)).revoked).toBe(true);
    await expect(first.client.users.list()).rejects.toMatchObject({ code: 'invalid_api_key' });
    expect((await second.client.users.list()).error).toBeNull();
    expect(
      (
        await projectClient(
          h.emulator,
          h.emulator.project.loginId,
          h.emulator.project.apiKey,
        ).users.list()
      ).error,
    ).toBeNull();
  });

  it("a deleted project: its keys answer 401, its users' tokens are refused, its data is gone", async () => {
    const { project } = await admin.projects.create(NEW_PROJECT);
    const { apiKey } = await admin.apiKeys.create({ projectId: project!.id, label: 'doomed' });
    const client = projectClient(h.emulator, project!.loginId, apiKey!.key!);
    const signUp = await client.auth.signUp({ email: 'gone@example.org', password: PASSWORD });
    const verify = (token: string, key: string) =>
      h.emulator.fetch('https://auth.protekt.io/v1/auth/token/verify', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-protekt-key': key },
        body: JSON.stringify({ token }),
      });
    expect((await verify(signUp.accessToken!, apiKey!.key!)).status).toBe(200);
    await admin.projects.delete(project!.id);
    await expect(client.users.list()).rejects.toMatchObject({ code: 'invalid_api_key' });
    await expect(client.auth.verifyToken(signUp.accessToken!)).rejects.toMatchObject({
      code: 'invalid_api_key',
    });
    expect((await verify(signUp.accessToken!, apiKey!.key!)).status).toBe(401);
    // Another project's key does not make the token valid either.
    expect((await verify(signUp.accessToken!, h.emulator.project.apiKey)).status).toBe(401);
    expect((await admin.apiKeys.list({ projectId: project!.id })).apiKeys).toEqual([]);
    expect(h.emulator.projects.map((p) => p.projectId)).not.toContain(project!.id);
  });
});
