/**
 * The Account API client's seams: bad input refused before anything is sent, lost answers retried
 * into one project or key, no secret in debug lines, errors or a serialised client, and the
 * emulator's 400s naming the field.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Protekt, ProtektError } from '../../src/index.js';
import { type AccountHarness, NEW_PROJECT, accountHarness } from './_support.js';

let h: AccountHarness;
let admin: Protekt;

beforeAll(async () => {
  h = await accountHarness();
  admin = h.client();
});

describe('local validation: an error with status 0 and nothing sent', () => {
  it('refuses bad ids, settings, scopes, roles and dates', async () => {
    const projectId = h.emulator.project.projectId;
    const cases: [string, () => Promise<{ error: unknown }>, string][] = [
      ['get("..")', () => admin.projects.get('..'), 'projectId'],
      ['delete("a/b")', () => admin.projects.delete('a/b'), 'projectId'],
      ['create without a name', () => admin.projects.create({ ...NEW_PROJECT, name: ' ' }), 'name'],
      [
        'create with a relative redirect',
        () => admin.projects.create({ ...NEW_PROJECT, redirectUrl: '/cb' }),
        'redirectUrl',
      ],
      [
        'create with a path in an origin',
        () => admin.projects.create({ ...NEW_PROJECT, allowedOrigins: ['https://a.example/x'] }),
        'allowedOrigins',
      ],
      [
        'update tokenExpiry 10',
        () => admin.projects.update(projectId, { tokenExpiry: 10 }),
        'tokenExpiry',
      ],
      [
        'update refreshTokenExpiry 1.5',
        () => admin.projects.update(projectId, { refreshTokenExpiry: 3600.5 }),
        'refreshTokenExpiry',
      ],
      [
        'update mfaRequired "yes"',
        () => admin.projects.update(projectId, { mfaRequired: 'yes' as unknown as boolean }),
        'mfaRequired',
      ],
      ['list limit 0', () => admin.projects.list({ limit: 0 }), 'limit'],
      [
        'apiKeys.create scope admin',
        () => admin.apiKeys.create({ projectId, label: 'k', scopes: ['admin' as 'auth:read'] }),
        'scopes',
      ],
      [
        'apiKeys.create no scopes',
        () => admin.apiKeys.create({ projectId, label: 'k', scopes: [] }),
        'scopes',
      ],
      [
        'apiKeys.create expiresAt tomorrow',
        () => admin.apiKeys.create({ projectId, label: 'k', expiresAt: 'tomorrow' }),
        'expiresAt',
      ],
      ['apiKeys.delete empty', () => admin.apiKeys.delete(''), 'keyId'],
      ['members.remove slash', () => admin.members.remove('/'), 'memberId'],
      ['usage from 2026-02-30', () => admin.usage.get({ from: '2026-02-30' }), 'from'],
      [
        'usage from after to',
        () => admin.usage.get({ from: '2026-03-02', to: '2026-03-01' }),
        'from',
      ],
    ];
    const sent = h.emulator.requests.length;
    for (const [what, call, field] of cases) {
      const { error } = await call();
      expect(`${what}: ${JSON.stringify(error)}`).toMatch(/"status":0/);
      expect(`${what}: ${(error as { details: { field: string } }).details.field}`).toBe(
        `${what}: ${field}`,
      );
    }
    expect(h.emulator.requests.length).toBe(sent);
  });

  it('the emulator answers bad input itself with a 400 naming the field', async () => {
    const post = (path: string, body: unknown) =>
      h.emulator.fetch(`${h.emulator.account.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
        body: JSON.stringify(body),
      });
    const cases: [string, unknown, string][] = [
      ['/projects', { name: 'x', redirect_url: 'https://a.example/cb' }, 'allowed_origins'],
      [
        '/projects',
        { ...{ name: 'x', allowed_origins: ['*'], redirect_url: 'https://a.example/cb' } },
        'allowed_origins',
      ],
      [
        '/projects',
        { name: 'x', allowed_origins: [], redirect_url: 'https://a.example/cb', token_expiry: 5 },
        'token_expiry',
      ],
      [
        '/api-keys',
        { project_id: h.emulator.project.projectId, label: 'k', scopes: ['root'] },
        'scopes',
      ],
      ['/api-keys', { project_id: h.emulator.project.projectId }, 'label'],
      ['/members/invite', { email: 'a@example.org', role: 'owner' }, 'role'],
    ];
    for (const [path, body, field] of cases) {
      const answer = await post(path, body);
      const { error } = (await answer.json()) as {
        error: { code: string; details: { field: string } };
      };
      expect(`${path} ${answer.status} ${error.details.field}`).toBe(`${path} 400 ${field}`);
    }
  });
});

describe('retries', () => {
  it('a create whose answer is lost is retried with its idempotency key: one project, one key', async () => {
    const before = (await admin.projects.list({ limit: 100 })).projects!.length;
    h.emulator.faults.add({
      path: '/account/v1/projects',
      method: 'POST',
      drop: true,
      after: true,
    });
    const created = await admin.projects.create({ ...NEW_PROJECT, name: 'Once' });
    expect(created.error).toBeNull();
    const after = (await admin.projects.list({ limit: 100 })).projects!;
    expect(after.length).toBe(before + 1);
    expect(after.filter((p) => p.name === 'Once')).toHaveLength(1);

    h.emulator.faults.add({
      path: '/account/v1/api-keys',
      method: 'POST',
      status: 503,
      after: true,
    });
    const key = await admin.apiKeys.create({ projectId: created.project!.id, label: 'once' });
    expect(key.apiKey?.key).toMatch(/^pk_/);
    const keys = (await admin.apiKeys.list({ projectId: created.project!.id })).apiKeys!;
    expect(keys.map((k) => k.id)).toEqual([key.apiKey!.id]);
    const posts = h.emulator.requests.filter(
      (r) => r.method === 'POST' && r.path === '/account/v1/api-keys',
    );
    expect(new Set(posts.slice(-2).map((r) => r.idempotencyKey)).size).toBe(1);
  });
});

describe('secrets', () => {
  it('no management token, raw key or password in debug lines, errors or a serialised client', async () => {
    const lines: string[] = [];
    const debug = (line: string) => lines.push(line);
    const { email, password, baseUrl } = h.emulator.account;
    const issued = await Protekt.getManagementToken(
      { email, password },
      { accountBaseUrl: baseUrl, fetch: h.emulator.fetch, debug },
    );
    const wrong = await Protekt.getManagementToken(
      { email, password: 'wrong password' },
      { accountBaseUrl: baseUrl, fetch: h.emulator.fetch, debug },
    );
    const token = issued.managementToken!;
    const client = h.client({ managementToken: token, debug });
    const { apiKey } = await client.apiKeys.create({
      projectId: h.emulator.project.projectId,
      label: 'secret',
    });
    await client.revokeManagementToken();
    const thrown = await client.projects.list().catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(ProtektError);
    const views = [
      ...lines,
      JSON.stringify(thrown),
      (thrown as Error).message,
      JSON.stringify(wrong),
      JSON.stringify(client),
      String(Object.keys(client)),
      JSON.stringify(h.emulator.requests.slice(-6)),
    ].join('\n');
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.join('\n')).toContain('/account/v1/api-keys');
    for (const secret of [token, apiKey!.key!, password, 'wrong password'])
      expect(views.includes(secret)).toBe(false);
    expect(
      () => new Protekt({ ...h.emulator.clientOptions, managementToken: 'has space' }),
    ).toThrow(/managementToken/);
    const config = (() => {
      try {
        new Protekt({ ...h.emulator.clientOptions, managementToken: 'has space' });
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(config).not.toContain('has space');
  });
});

describe('Protekt.mock', () => {
  it('stands in for the Account API methods like any other', async () => {
    const project = {
      ...NEW_PROJECT,
      id: 'proj_mock',
      loginId: 'lp_mock',
      description: null,
      tokenExpiry: 3600,
      refreshTokenExpiry: 2_592_000,
      mfaRequired: true,
      createdAt: '',
      updatedAt: '',
    };
    const mock = Protekt.mock({ projects: { getCurrent: async () => ({ project, error: null }) } });
    expect((await mock.projects.getCurrent()).project?.mfaRequired).toBe(true);
    await expect(mock.apiKeys.list()).rejects.toMatchObject({ code: 'not_mocked' });
    await expect(mock.revokeManagementToken()).rejects.toMatchObject({ code: 'not_mocked' });
    expect(() => mock.projects.listAll()).toThrow(/not mocked/);
  });
});
