// Starts the NestJS example:
//   npx tsc -p examples/nestjs && PROTEKT_LOGIN_ID=lp_... PROTEKT_API_KEY=pk_... node examples/nestjs/dist/main.js
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
const host = process.env.HOST ?? '127.0.0.1';
await app.listen(Number(process.env.PORT ?? 3000), host);
const { port } = app.getHttpServer().address() as { port: number };
console.log(`nestjs example listening on http://${host}:${port}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => app.close().then(() => process.exit(0)));
}
