/**
 * `@protekt/node/nestjs` (src/nestjs) under the real NestJS on `@nestjs/platform-express`: 11 in
 * the `unit` project, 10 in the `nestjs10` one (runtimes/node20/vitest.config.ts sets
 * `NESTJS_MAJOR` there and resolves `@nestjs/*` to test/fixtures/previous-majors),
 * served on 127.0.0.1: `ProtektModule.forRoot({ client })` with `@UseGuards(ProtektGuard)` and
 * `@ProtektUser()`, the refusal table through Nest's exception filter, a global guard made with
 * `protektAuth`, and the client injectable by `PROTEKT_CLIENT`. Decorators are applied as
 * functions (this repository compiles without decorator flags; examples/nestjs uses the syntax).
 */
import 'reflect-metadata';
import { Controller, Get, Inject, Module, UseGuards, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Protekt, ProtektUser as User } from '../../src/index.js';
import {
  PROTEKT_CLIENT,
  ProtektGuard,
  ProtektModule,
  ProtektUser,
  protektAuth,
} from '../../src/nestjs/index.js';
import { checkRefusalTable, guardFixture } from '../support/guard-table.js';
import { get } from './_http.js';

let fixture: Awaited<ReturnType<typeof guardFixture>>;
beforeEach(async () => {
  fixture = await guardFixture();
});

/** `GET /api/me` (guarded, the user by `@ProtektUser()`), `GET /api/email`, `GET /client`. */
function controller(guarded: boolean) {
  class MeController {
    constructor(readonly client: Protekt | null) {}
    me(user: User) {
      return { id: user.id };
    }
    email(email: string) {
      return { email };
    }
    clientLoginId() {
      return { loginId: this.client?.loginId ?? null };
    }
  }
  const proto = MeController.prototype;
  const method = (name: keyof MeController, path: string, guard: boolean) => {
    const descriptor = Object.getOwnPropertyDescriptor(proto, name)!;
    Get(path)(proto, name, descriptor);
    if (guard) UseGuards(ProtektGuard)(proto, name, descriptor);
  };
  method('me', 'api/me', guarded);
  ProtektUser()(proto, 'me', 0);
  method('email', 'api/email', guarded);
  ProtektUser('email')(proto, 'email', 0);
  method('clientLoginId', 'client', false);
  Controller()(MeController);
  Inject(PROTEKT_CLIENT)(MeController, undefined, 0);
  return MeController;
}

/** A Nest app (not started yet) whose root module has `imports` and the controller. */
async function nestApp(imports: unknown[], guarded: boolean): Promise<INestApplication> {
  class AppModule {}
  Module({ imports: imports as never[], controllers: [controller(guarded)] })(AppModule);
  return NestFactory.create(AppModule, { logger: false });
}

/** Listens on 127.0.0.1 (port 0); the base URL. */
async function start(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  return (await app.getUrl()).replace('[::1]', '127.0.0.1');
}

const NESTJS_MAJOR = process.env['NESTJS_MAJOR'] ?? '11';

describe(`ProtektModule, ProtektGuard and @ProtektUser on NestJS ${NESTJS_MAJOR} (Express platform)`, () => {
  it(`runs under NestJS ${NESTJS_MAJOR}, core and common alike`, async () => {
    const versionOf = async (name: string) =>
      (
        (await import(`${name}/package.json`, { with: { type: 'json' } })) as {
          default: { version: string };
        }
      ).default.version;
    expect((await versionOf('@nestjs/core')).split('.')[0]).toBe(NESTJS_MAJOR);
    expect((await versionOf('@nestjs/common')).split('.')[0]).toBe(NESTJS_MAJOR);
  });

  it('answers every row of the refusal table; the user reaches the handler', async () => {
    const client = fixture.client();
    const app = await nestApp([ProtektModule.forRoot({ client })], true);
    const url = await start(app);
    try {
      await checkRefusalTable(fixture, (headers) => get(`${url}/api/me`, headers));
    } finally {
      await app.close();
    }
  });

  it('@ProtektUser("email") gives one field; the client is injectable', async () => {
    const client = fixture.client();
    const app = await nestApp([ProtektModule.forRoot({ client })], true);
    const url = await start(app);
    try {
      const res = await get(`${url}/api/email`, { authorization: `Bearer ${fixture.token}` });
      expect(res.body).toEqual({ email: 'ada@example.com' });
      expect((await get(`${url}/client`)).body).toEqual({ loginId: client.loginId });
    } finally {
      await app.close();
    }
  });

  it('a global guard made by protektAuth covers every route', async () => {
    const app = await nestApp([ProtektModule.forRoot({ client: fixture.client() })], false);
    app.useGlobalGuards(protektAuth({ client: fixture.client(), realm: 'nest' }));
    const url = await start(app);
    try {
      await checkRefusalTable(fixture, (headers) => get(`${url}/api/me`, headers), 'nest');
    } finally {
      await app.close();
    }
  });

  it('refuses a bad option when the module is built', () => {
    expect(() =>
      ProtektModule.forRoot({ client: fixture.client(), optinal: true } as never),
    ).toThrow('ProtektModule.forRoot option optinal is unknown: did you mean optional?');
  });
});
