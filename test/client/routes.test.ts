/**
 * The client's resource specs against the contract (src/contract, the project's statement of the
 * OpenAPI file): every route a method calls exists there, every body or query field it sends is
 * one the route reads, a token-issuing route gets `token_expiry`, and a user-scoped argument goes
 * where the route expects a bearer token. A spec that drifts from the contract fails here.
 */
import { describe, expect, it } from 'vitest';
import { ROUTES, type RouteSpec } from '../../src/contract/index.js';
import { RESOURCE_METHODS } from '../../src/resources/index.js';
import type { MethodBuilder } from '../../src/resources/operation.js';

// One path-parameter syntax for both sides, `{name}`; names may differ (`{id}` vs `{userId}`).
const routeKey = (method: string, path: string): string =>
  `${method} ${path.replace(/\{[^}]+\}/g, '{}')}`;
const contract = new Map<string, RouteSpec>(ROUTES.map((r) => [routeKey(r.method, r.path), r]));

const methods = Object.entries(RESOURCE_METHODS).flatMap(([resource, table]) =>
  Object.entries(table as Record<string, MethodBuilder<unknown>>).map(([name, builder]) => ({
    name: `${resource}.${name}`,
    builder,
  })),
);

describe('client routes against the contract', () => {
  it.each(methods)('$name names the routes it calls, each one in the contract', ({ builder }) => {
    expect(builder.routes?.length).toBeGreaterThan(0);
    for (const route of builder.routes!) {
      const [method, path] = route.split(' ') as [string, string];
      expect(
        contract.has(routeKey(method, path)),
        `${route} is not in src/contract/routes.ts`,
      ).toBe(true);
    }
  });

  const operations = methods.filter((m) => m.builder.spec);
  it('most methods are plain operation specs', () => {
    expect(operations.length).toBeGreaterThanOrEqual(25);
  });

  it.each(operations)(
    '$name sends only fields its route reads, where it reads them',
    ({ builder }) => {
      const spec = builder.spec!;
      const [method, path] = spec.route.split(' ') as [string, string];
      const route = contract.get(routeKey(method, path))!;
      const accepted = new Set(
        Object.keys((method === 'GET' ? route.query : route.body?.schema) ?? {}),
      );
      const sent: string[] = [];
      for (const arg of spec.args) {
        if (arg.in === 'params') sent.push(...Object.values(arg.fields).map((f) => f.wire));
        if (arg.in === 'body') sent.push(arg.wire);
        if (arg.in === 'path') expect(path).toContain(`{${arg.name}}`);
        if (arg.in === 'bearer') expect(route.auth).toMatch(/bearer/i);
      }
      if (spec.issuesTokens) sent.push('token_expiry');
      for (const wire of sent)
        expect(accepted, `${spec.route} does not read "${wire}"`).toContain(wire);
      expect(spec.issuesTokens === true, `${spec.route}: issuesTokens`).toBe(route.issuesTokens);
      // Every path parameter of the route is filled by an argument.
      const filled = spec.args.filter((a) => a.in === 'path').length;
      expect(filled).toBe(path.match(/\{[^}]+\}/g)?.length ?? 0);
    },
  );
});
