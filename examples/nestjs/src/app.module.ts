import { Module } from '@nestjs/common';
import { ProtektModule } from '@protekt/node/nestjs';
import { MeController } from './me.controller.js';
import { protekt } from './protekt.js';

@Module({
  // The guard and the client, for the whole application.
  imports: [ProtektModule.forRoot({ client: protekt, realm: 'example' })],
  controllers: [MeController],
})
export class AppModule {}
