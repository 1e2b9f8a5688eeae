/**
 * The client's Account API methods against the Account contract (src/contract/account-routes.ts):
 * every route a method calls exists there, every field it sends is one the route reads, and every
 * one of the 14 operations of the OpenAPI file has a method that calls it.
 */
import { describe, expect, it } from 'vitest';
import { ACCOUNT_ROUTES, type AccountRouteSpec } from '../../src/contract/account-routes.js';
import { issueManagementToken, revokeManagementToken } from '../../src/resources/management.js';
import { ACCOUNT_RESOURCE_METHODS } from '../../src/resources/index.js';
import type { MethodBuilder } from '../../src/resources/operation.js';

const routeKey = (method: string, path: string): string =>
  `${method} ${path.replace(/\{[^}]+\}/g, '{}')}`;
const contract = new Map<string, AccountRouteSpec>(
  ACCOUNT_ROUTES.map((r) => [routeKey(r.method, r.path), r]),
);

const methods: { name: string; builder: MethodBuilder<unknown> }[] = [
  { name: 'Protekt.getManagementToken', builder: issueManagementToken as MethodBuilder<unknown> },
  { name: 'revokeManagementToken', builder: revokeManagementToken as MethodBuilder<unknown> },
  ...Object.entries(ACCOUNT_RESOURCE_METHODS).flatMap(([resource, table]) =>
    Object.entries(table as Record<string, MethodBuilder<unknown>>).map(([name, builder]) => ({
      name: `${resource}.${name}`,
      builder,
    })),
  ),
];

describe('Account API methods against the contract', () => {
  for (const { name, builder } of methods) {
    it(`${name} calls only routes of the contract, with fields they read`, () => {
      expect(builder.routes?.length).toBeGreaterThan(0);
      for (const route of builder.routes!) {
        const [method, path] = route.split(' ') as [string, string];
        expect(`${name}: ${route} ${contract.has(routeKey(method, path))}`).toBe(
          `${name}: ${route} true`,
        );
      }
      const spec = builder.spec;
      if (!spec) return;
      const [method, path] = spec.route.split(' ') as [string, string];
      const route = contract.get(routeKey(method, path))!;
      const accepted = new Set(
        Object.keys((method === 'GET' ? route.query : route.body?.schema) ?? {}),
      );
      for (const arg of spec.args) {
        if (arg.in === 'params')
          for (const field of Object.values(arg.fields)) expect(accepted).toContain(field.wire);
        if (arg.in === 'path') expect(path).toContain(`{${arg.name}}`);
        expect(arg.in).not.toBe('bearer');
      }
      expect(spec.args.filter((a) => a.in === 'path').length).toBe(
        path.match(/\{[^}]+\}/g)?.length ?? 0,
      );
    });
  }

  it('every operation of the OpenAPI file has a method', () => {
    const called = new Set(
      methods.flatMap((m) =>
        (m.builder.routes ?? []).map((r) => routeKey(...(r.split(' ') as [string, string]))),
      ),
    );
    const documented = ACCOUNT_ROUTES.filter((r) => r.openapi);
    expect(documented).toHaveLength(14);
    for (const route of documented) expect(called).toContain(routeKey(route.method, route.path));
  });
});
