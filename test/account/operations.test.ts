/**
 * The 14 operations of the Account API through the SDK, against the emulator in-process: each
 * answers in its documented shape, and what it changes is what the next call sees.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Protekt, ProtektError, type Project } from '../../src/index.js';
import {
  type AccountHarness,
  NEW_PROJECT,
  accountHarness,
  projectClient,
  signIn,
} from './_support.js';
import { ALL_OPERATIONS, walkAccountApi } from './_walk.js';

let h: AccountHarness;
let admin: Protekt;

beforeAll(async () => {
  h = await accountHarness();
  admin = h.client();
});

const tokenOptions = () => ({
  accountBaseUrl: h.emulator.account.baseUrl,
  fetch: h.emulator.fetch,
});

describe('management tokens', () => {
  it('getManagementToken answers a token and its expiry (one hour) for the owner; invalid_credentials otherwise', async () => {
    const before = h.emulator.clock.now();
    const ok = await Protekt.getManagementToken(h.emulator.account, tokenOptions());
    expect(ok.error).toBeNull();
    expect(ok.managementToken).toMatch(/^mgmt_/);
    const expiresAt = Date.parse(ok.expiresAt!);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 3_600_000 - 1_000);
    expect(expiresAt).toBeLessThanOrEqual(h.emulator.clock.now() + 3_600_000);
    const wrong = await Protekt.getManagementToken(
      { email: h.emulator.account.email, password: 'not the password' },
      tokenOptions(),
    );
    expect(wrong).toMatchObject({
      managementToken: null,
      expiresAt: null,
      error: { code: 'invalid_credentials', status: 401 },
    });
  });

  it('revokeManagementToken ends that token: its next call throws invalid_management_token', async () => {
    const client = h.client({ managementToken: await signIn(h.emulator, h.emulator.account) });
    expect((await client.projects.list()).error).toBeNull();
    expect(await client.revokeManagementToken()).toEqual({ revoked: true, error: null });
    await expect(client.projects.list()).rejects.toMatchObject({
      code: 'invalid_management_token',
      status: 401,
    });
    // The owner's other token is untouched.
    expect((await admin.projects.list()).error).toBeNull();
  });

  it('a token expires on the emulator clock', async () => {
    const own = await accountHarness();
    const client = own.client();
    own.emulator.clock.advance(3_599_000);
    expect((await client.members.list()).error).toBeNull();
    own.emulator.clock.advance(1_000);
    const thrown = await client.members.list().catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(ProtektError);
    expect(thrown).toMatchObject({ code: 'invalid_management_token', status: 401 });
    expect((thrown as Error).message).toContain('token_expired');
  });

  it('a client without managementToken, or with a token Protekt does not know, throws', async () => {
    const plain = new Protekt(h.emulator.clientOptions);
    await expect(plain.projects.list()).rejects.toMatchObject({ code: 'invalid_management_token' });
    const before = h.emulator.requests.length;
    await expect(plain.usage.get()).rejects.toBeInstanceOf(ProtektError);
    expect(h.emulator.requests.length).toBe(before);
    const unknown = h.client({ managementToken: 'mgmt_not_a_token' });
    await expect(unknown.apiKeys.list()).rejects.toMatchObject({
      code: 'invalid_management_token',
      status: 401,
    });
  });
});

describe('projects', () => {
  it('getCurrent is the project of the client loginId, found once and then read by id', async () => {
    const first = await admin.projects.getCurrent();
    expect(first.error).toBeNull();
    expect(first.project).toMatchObject({
      id: h.emulator.project.projectId,
      loginId: h.emulator.project.loginId,
      tokenExpiry: 3600,
      refreshTokenExpiry: 2_592_000,
      mfaRequired: false,
      description: null,
    });
    const lists = h.emulator.faults.hits('/account/v1/projects', 'GET');
    const again = await admin.projects.getCurrent();
    expect(again.project).toEqual(first.project);
    expect(h.emulator.faults.hits('/account/v1/projects', 'GET')).toBe(lists);
  });

  it('getCurrent answers not_found when no project of the organisation has the loginId', async () => {
    const other = h.emulator.createOrganization();
    const client = h.client({ managementToken: await signIn(h.emulator, other) });
    const { project, error } = await client.projects.getCurrent();
    expect(project).toBeNull();
    expect(error).toMatchObject({ code: 'not_found', status: 404 });
  });

  it('create, get, list, listAll, update and delete', async () => {
    const created = await admin.projects.create({
      ...NEW_PROJECT,
      description: 'made by a test',
      tokenExpiry: 900,
    });
    expect(created.error).toBeNull();
    const project = created.project!;
    expect(project).toMatchObject({
      name: 'Test app',
      description: 'made by a test',
      redirectUrl: NEW_PROJECT.redirectUrl,
      allowedOrigins: NEW_PROJECT.allowedOrigins,
      tokenExpiry: 900,
      refreshTokenExpiry: 2_592_000,
      mfaRequired: false,
    });
    expect(project.id).toMatch(/^proj_/);
    expect(project.loginId).toMatch(/^lp_/);
    expect((await admin.projects.get(project.id)).project).toEqual(project);

    const page = await admin.projects.list({ limit: 1 });
    expect(page).toMatchObject({ hasMore: true, error: null });
    expect(page.projects).toHaveLength(1);
    const all: Project[] = [];
    for await (const each of admin.projects.listAll({ limit: 1 })) all.push(each);
    expect(all.map((p) => p.id)).toContain(project.id);
    expect(all.map((p) => p.id)).toContain(h.emulator.project.projectId);

    const updated = await admin.projects.update(project.id, { name: 'Renamed', mfaRequired: true });
    expect(updated.project).toMatchObject({ name: 'Renamed', mfaRequired: true, tokenExpiry: 900 });
    expect(Date.parse(updated.project!.updatedAt)).toBeGreaterThanOrEqual(
      Date.parse(project.updatedAt),
    );

    expect(await admin.projects.delete(project.id)).toEqual({
      deleted: true,
      id: project.id,
      error: null,
    });
    expect((await admin.projects.get(project.id)).error).toMatchObject({
      code: 'not_found',
      status: 404,
    });
    expect((await admin.projects.delete(project.id)).error).toMatchObject({ code: 'not_found' });
  });

  it('a project made through the API works on the Auth API at once with a key made through apiKeys', async () => {
    const { project } = await admin.projects.create(NEW_PROJECT);
    const { apiKey } = await admin.apiKeys.create({ projectId: project!.id, label: 'backend' });
    const client = projectClient(h.emulator, project!.loginId, apiKey!.key!);
    const signUp = await client.auth.signUp({
      email: 'first@example.org',
      password: 'correct horse battery',
    });
    expect(signUp.error).toBeNull();
    const verified = await client.auth.verifyToken(signUp.accessToken!);
    expect(verified.error).toBeNull();
    expect(verified.claims?.project_id).toBe(project!.id);
  });
});

describe('API keys', () => {
  it('create answers the raw key once; list and listAll give metadata only; delete revokes it', async () => {
    const projectId = h.emulator.project.projectId;
    const created = await admin.apiKeys.create({
      projectId,
      label: 'worker',
      scopes: ['auth:read'],
    });
    expect(created.error).toBeNull();
    const key = created.apiKey!;
    expect(key).toMatchObject({
      label: 'worker',
      projectId,
      scopes: ['auth:read'],
      expiresAt: null,
    });
    expect(key.key).toMatch(/^pk_/);
    const listed = await admin.apiKeys.list({ projectId });
    expect(listed.error).toBeNull();
    const meta = listed.apiKeys!.find((k) => k.id === key.id)!;
    expect(meta).toEqual({ ...key, key: null });
    expect(JSON.stringify(listed)).not.toContain(key.key!);
    const all = [];
    for await (const each of admin.apiKeys.listAll({ limit: 1 })) all.push(each.id);
    expect(all).toContain(key.id);
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(await admin.apiKeys.delete(key.id)).toEqual({ revoked: true, id: key.id, error: null });
    expect((await admin.apiKeys.delete(key.id)).error).toMatchObject({
      code: 'not_found',
      status: 404,
    });
  });

  it('an unknown project is bad input naming project_id', async () => {
    const { error } = await admin.apiKeys.create({ projectId: 'proj_nope', label: 'x' });
    expect(error).toMatchObject({
      code: 'invalid_request',
      status: 400,
      details: { field: 'project_id' },
    });
  });
});

describe('members and usage', () => {
  it('list has the owner; invite puts an invitation in the outbox; remove removes', async () => {
    const listed = await admin.members.list();
    expect(listed.error).toBeNull();
    expect(listed.members).toEqual([
      {
        id: expect.stringMatching(/^mem_/),
        email: 'owner@example.com',
        role: 'owner',
        joinedAt: expect.any(String),
      },
    ]);
    const invited = await admin.members.invite({ email: 'dev@example.org', role: 'developer' });
    expect(invited).toEqual({ message: 'Invitation sent to dev@example.org', error: null });
    const mail = h.emulator.outbox.last({ to: 'dev@example.org', kind: 'member_invitation' });
    expect(mail?.token).toMatch(/^inv_/);
    // Not a member until the invitation is accepted.
    expect((await admin.members.list()).members).toHaveLength(1);
  });

  it('usage answers the documented counters for the organisation', async () => {
    const { usage, error } = await admin.usage.get();
    expect(error).toBeNull();
    expect(usage).toMatchObject({
      period: {
        from: expect.stringMatching(/^\d{4}-\d{2}-01$/),
        to: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      },
      mau: expect.any(Number),
      totalLogins: expect.any(Number),
      tokensIssued: expect.any(Number),
      passwordlessLogins: expect.any(Number),
      ssoLogins: expect.any(Number),
    });
  });
});

describe('the walk', () => {
  it('all 14 operations in a row, as a user would run them', async () => {
    const own = await accountHarness();
    const ran = await walkAccountApi({
      options: own.emulator.clientOptions,
      owner: own.emulator.account,
    });
    expect([...ran].sort()).toEqual([...ALL_OPERATIONS].sort());
  });
});
