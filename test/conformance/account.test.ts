/**
 * The Account API on every runtime: a management token from the in-process emulator's owner,
 * `projects.getCurrent` and `projects.list` through it, and an API key whose scopes refuse an
 * operation. Portable subset only (see README.md beside this file).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Protekt, ProtektError } from '@protekt/node';
import { createEmulator } from '@protekt/node/testing';

type Emulator = ReturnType<typeof createEmulator>;

let emulator: Emulator;
let admin: Protekt;

beforeAll(async () => {
  emulator = createEmulator({ pbkdf2Iterations: 1_000 });
  const { managementToken, error } = await Protekt.getManagementToken(emulator.account, {
    accountBaseUrl: emulator.account.baseUrl,
    fetch: emulator.fetch,
  });
  if (error) throw new Error(error.code);
  admin = new Protekt({ ...emulator.clientOptions, managementToken });
});

describe('the Account API', () => {
  it('projects.getCurrent is the project of the client loginId', async () => {
    const { project, error } = await admin.projects.getCurrent();
    expect(error).toBeNull();
    expect(project).toMatchObject({
      id: emulator.project.projectId,
      loginId: emulator.project.loginId,
      mfaRequired: false,
      tokenExpiry: 3600,
    });
  });

  it('projects.list pages the organisation projects', async () => {
    const created = await admin.projects.create({
      name: 'Second',
      redirectUrl: 'https://second.example.org/cb',
      allowedOrigins: ['https://second.example.org'],
    });
    expect(created.error).toBeNull();
    const first = await admin.projects.list({ limit: 1 });
    expect(first.error).toBeNull();
    expect(first.projects).toHaveLength(1);
    expect(first.hasMore).toBe(true);
    const second = await admin.projects.list({ limit: 1, cursor: first.nextCursor! });
    expect(second.projects?.[0]?.id).toBe(created.project?.id);
    expect(second.hasMore).toBe(false);
  });

  it('a key without the users:read scope is refused users.list with insufficient_permissions', async () => {
    const { apiKey, error } = await admin.apiKeys.create({
      projectId: emulator.project.projectId,
      label: 'auth only',
      scopes: ['auth:read', 'auth:write'],
    });
    expect(error).toBeNull();
    const scoped = new Protekt({
      loginId: emulator.project.loginId,
      apiKey: apiKey!.key!,
      fetch: emulator.fetch,
    });
    const refused = await scoped.users.list();
    expect(refused.users).toBeNull();
    expect(refused.error).toMatchObject({ code: 'insufficient_permissions', status: 403 });
    expect(
      (await scoped.auth.signUp({ email: 'scoped@example.org', password: 'conformance password' }))
        .error,
    ).toBeNull();
  });

  it('without a management token, an Account call throws invalid_management_token', async () => {
    const plain = new Protekt(emulator.clientOptions);
    const thrown = await plain.projects.list().catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(ProtektError);
    expect(thrown).toMatchObject({ code: 'invalid_management_token' });
  });
});
