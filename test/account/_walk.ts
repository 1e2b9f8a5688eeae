/**
 * The 14 Account API operations through the SDK, one after another, as a user would run them:
 * shared by the in-process test and the one over `protekt-emulator` (web standards only).
 */
import { expect } from 'vitest';
import { Protekt, type ProtektOptions } from '../../src/index.js';

/** Where the walk runs: the client options of the default project, and the owner. */
export interface WalkTarget {
  readonly options: Pick<
    ProtektOptions,
    'loginId' | 'apiKey' | 'baseUrl' | 'accountBaseUrl' | 'fetch'
  >;
  readonly owner: { email: string; password: string };
}

/** Runs every operation and checks each answer; returns the operations run, in order. */
export async function walkAccountApi({ options, owner }: WalkTarget): Promise<string[]> {
  const ran: string[] = [];
  const step = <T>(name: string, value: T): T => {
    ran.push(name);
    return value;
  };
  const { accountBaseUrl, fetch } = options;
  const issued = step(
    'POST /token',
    await Protekt.getManagementToken(owner, { accountBaseUrl, ...(fetch ? { fetch } : {}) }),
  );
  expect(issued.error).toBeNull();
  const admin = new Protekt({ ...options, managementToken: issued.managementToken! });
  const current = step('GET /projects', await admin.projects.getCurrent());
  expect(current.project?.loginId).toBe(options.loginId);
  const created = step(
    'POST /projects',
    await admin.projects.create({
      name: 'Walk',
      redirectUrl: 'https://walk.example.org/cb',
      allowedOrigins: ['https://walk.example.org'],
    }),
  );
  const id = created.project!.id;
  expect(step('GET /projects/{id}', await admin.projects.get(id)).project?.name).toBe('Walk');
  const updated = step(
    'PATCH /projects/{id}',
    await admin.projects.update(id, { mfaRequired: true, tokenExpiry: 600 }),
  );
  expect(updated.project).toMatchObject({ mfaRequired: true, tokenExpiry: 600 });
  const key = step(
    'POST /api-keys',
    await admin.apiKeys.create({ projectId: id, label: 'walk', scopes: ['auth:write'] }),
  );
  const app = new Protekt({
    ...options,
    loginId: created.project!.loginId,
    apiKey: key.apiKey!.key!,
  });
  const signUp = await app.auth.signUp({
    email: 'walker@example.org',
    password: 'correct horse battery',
  });
  expect(signUp).toMatchObject({ expiresIn: 600, mfaEnrollmentRequired: true, error: null });
  expect((await app.users.list()).error).toMatchObject({
    code: 'insufficient_permissions',
    status: 403,
  });
  const keys = step('GET /api-keys', await admin.apiKeys.list({ projectId: id }));
  expect(keys.apiKeys?.map((k) => k.id)).toEqual([key.apiKey!.id]);
  expect(step('DELETE /api-keys/{id}', await admin.apiKeys.delete(key.apiKey!.id)).revoked).toBe(
    true,
  );
  await expect(
    app.auth.login({ email: 'walker@example.org', password: 'correct horse battery' }),
  ).rejects.toMatchObject({ code: 'invalid_api_key' });
  const members = step('GET /members', await admin.members.list());
  expect(members.members?.map((m) => m.role)).toEqual(['owner']);
  expect(
    step(
      'POST /members/invite',
      await admin.members.invite({ email: 'new@example.org', role: 'admin' }),
    ).error,
  ).toBeNull();
  const removed = step('DELETE /members/{id}', await admin.members.remove(members.members![0]!.id));
  expect(removed.error).toMatchObject({ code: 'last_owner', status: 409 });
  const usage = step('GET /usage', await admin.usage.get({ projectId: id }));
  expect(usage.usage).toMatchObject({ mau: 1, totalLogins: 1, tokensIssued: 1 });
  expect(step('DELETE /projects/{id}', await admin.projects.delete(id))).toEqual({
    deleted: true,
    id,
    error: null,
  });
  expect(step('POST /token/revoke', await admin.revokeManagementToken()).revoked).toBe(true);
  await expect(admin.projects.list()).rejects.toMatchObject({ code: 'invalid_management_token' });
  return ran;
}

/** The 14 operations of the Account API's OpenAPI file. */
export const ALL_OPERATIONS = [
  'POST /token',
  'POST /token/revoke',
  'GET /projects',
  'POST /projects',
  'GET /projects/{id}',
  'PATCH /projects/{id}',
  'DELETE /projects/{id}',
  'GET /api-keys',
  'POST /api-keys',
  'DELETE /api-keys/{id}',
  'GET /members',
  'POST /members/invite',
  'DELETE /members/{id}',
  'GET /usage',
];
