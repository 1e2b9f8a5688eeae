/**
 * Members and roles on the Account API (invitations through the outbox, what each role may do,
 * removal, the last owner), and organisations that cannot see each other.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Protekt } from '../../src/index.js';
import type { Emulator } from '../../src/testing/index.js';
import { type AccountHarness, NEW_PROJECT, accountHarness, signIn } from './_support.js';

let h: AccountHarness;
let owner: Protekt;

beforeAll(async () => {
  h = await accountHarness();
  owner = h.client();
});

/** Accepts the latest invitation to `email` (the emulator's extension route) with a password. */
async function accept(emulator: Emulator, email: string, password: string): Promise<Response> {
  const token = emulator.outbox.last({ to: email, kind: 'member_invitation' })?.token;
  return emulator.fetch(`${emulator.account.baseUrl}/members/accept`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, password }),
  });
}

/** Invites `email` with `role`, accepts, signs in: a client with that member's token. */
async function join(email: string, role: 'admin' | 'developer'): Promise<Protekt> {
  expect((await owner.members.invite({ email, role })).error).toBeNull();
  const joined = await accept(h.emulator, email, 'member password');
  expect(joined.status).toBe(200);
  return h.client({
    managementToken: await signIn(h.emulator, { email, password: 'member password' }),
  });
}

describe('invitations', () => {
  it('an invited member who accepts joins with the role and can get management tokens', async () => {
    const dev = await join('dev@example.org', 'developer');
    const { members } = await dev.members.list();
    expect(members?.map((m) => [m.email, m.role])).toEqual([
      ['owner@example.com', 'owner'],
      ['dev@example.org', 'developer'],
    ]);
    // The invitation is single use.
    expect((await accept(h.emulator, 'dev@example.org', 'another password')).status).toBe(400);
  });

  it('inviting a member again is a 409; a bad role or address is refused before sending', async () => {
    expect(
      (await owner.members.invite({ email: 'dev@example.org', role: 'admin' })).error,
    ).toMatchObject({
      code: 'member_exists',
      status: 409,
    });
    const sent = h.emulator.requests.length;
    const role = await owner.members.invite({ email: 'x@example.org', role: 'owner' as 'admin' });
    expect(role.error).toMatchObject({
      code: 'invalid_request',
      status: 0,
      details: { field: 'role' },
    });
    expect((await owner.members.invite({ email: 'nope', role: 'admin' })).error).toMatchObject({
      code: 'invalid_email',
      status: 0,
    });
    expect(h.emulator.requests.length).toBe(sent);
  });
});

describe('roles', () => {
  it('a developer reads; changes are refused with 403 insufficient_permissions', async () => {
    const dev = await join('reader@example.org', 'developer');
    expect((await dev.projects.list()).error).toBeNull();
    expect((await dev.apiKeys.list()).error).toBeNull();
    expect((await dev.usage.get()).error).toBeNull();
    const refused = { code: 'insufficient_permissions', status: 403 };
    expect((await dev.projects.create(NEW_PROJECT)).error).toMatchObject(refused);
    expect(
      (await dev.projects.update(h.emulator.project.projectId, { name: 'x' })).error,
    ).toMatchObject(refused);
    expect(
      (await dev.apiKeys.create({ projectId: h.emulator.project.projectId, label: 'x' })).error,
    ).toMatchObject(refused);
    expect(
      (await dev.members.invite({ email: 'y@example.org', role: 'developer' })).error,
    ).toMatchObject(refused);
  });

  it('an admin manages projects, keys and non-owners, but deletes no project and removes no owner', async () => {
    const adminClient = await join('admin@example.org', 'admin');
    const { project } = await adminClient.projects.create(NEW_PROJECT);
    expect(project?.name).toBe('Test app');
    expect(
      (await adminClient.apiKeys.create({ projectId: project!.id, label: 'k' })).error,
    ).toBeNull();
    expect((await adminClient.projects.delete(project!.id)).error).toMatchObject({
      code: 'insufficient_permissions',
    });
    const { members } = await adminClient.members.list();
    const ownerId = members!.find((m) => m.role === 'owner')!.id;
    expect((await adminClient.members.remove(ownerId)).error).toMatchObject({
      code: 'insufficient_permissions',
    });
    const devId = members!.find((m) => m.email === 'reader@example.org')!.id;
    expect(await adminClient.members.remove(devId)).toEqual({ removed: true, error: null });
    expect((await owner.projects.delete(project!.id)).deleted).toBe(true);
  });

  it("remove ends the member's management tokens at once; the last owner cannot be removed", async () => {
    const gone = await join('leaving@example.org', 'admin');
    const { members } = await owner.members.list();
    const id = members!.find((m) => m.email === 'leaving@example.org')!.id;
    expect((await owner.members.remove(id)).removed).toBe(true);
    await expect(gone.projects.list()).rejects.toMatchObject({ code: 'invalid_management_token' });
    expect((await owner.members.remove(id)).error).toMatchObject({
      code: 'not_found',
      status: 404,
    });
    const ownerId = members!.find((m) => m.role === 'owner')!.id;
    expect((await owner.members.remove(ownerId)).error).toMatchObject({
      code: 'last_owner',
      status: 409,
    });
    expect((await owner.members.list()).error).toBeNull();
  });
});

describe('organisations', () => {
  it("one organisation cannot see or touch another's projects, keys, members or usage", async () => {
    const other = h.emulator.createOrganization({ email: 'boss@example.net' });
    const stranger = h.client({ managementToken: await signIn(h.emulator, other) });
    const mine = h.emulator.project.projectId;
    expect((await stranger.projects.list()).projects).toEqual([]);
    expect((await stranger.projects.get(mine)).error).toMatchObject({
      code: 'not_found',
      status: 404,
    });
    expect((await stranger.projects.update(mine, { mfaRequired: true })).error).toMatchObject({
      code: 'not_found',
    });
    expect((await stranger.projects.delete(mine)).error).toMatchObject({ code: 'not_found' });
    expect((await stranger.apiKeys.list()).apiKeys).toEqual([]);
    const ownKeys = (await owner.apiKeys.list()).apiKeys!;
    expect((await stranger.apiKeys.delete(ownKeys[0]!.id)).error).toMatchObject({
      code: 'not_found',
    });
    expect((await stranger.apiKeys.create({ projectId: mine, label: 'x' })).error).toMatchObject({
      code: 'invalid_request',
    });
    expect((await stranger.members.list()).members?.map((m) => m.email)).toEqual([
      'boss@example.net',
    ]);
    const ownerId = (await owner.members.list()).members![0]!.id;
    expect((await stranger.members.remove(ownerId)).error).toMatchObject({ code: 'not_found' });
    expect((await stranger.usage.get({ projectId: mine })).error).toMatchObject({
      code: 'not_found',
    });
    // Its own project is its own.
    const { project } = await stranger.projects.create(NEW_PROJECT);
    expect((await owner.projects.get(project!.id)).error).toMatchObject({ code: 'not_found' });
    expect((await h.emulator.fetch(`${h.emulator.account.baseUrl}/projects`)).status).toBe(401);
  });
});
