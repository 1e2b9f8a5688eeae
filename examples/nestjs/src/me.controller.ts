import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import type { Protekt, ProtektUser as User } from '@protekt/node';
import { PROTEKT_CLIENT, ProtektGuard, ProtektUser } from '@protekt/node/nestjs';

@Controller()
export class MeController {
  // The client given to ProtektModule.forRoot, for calls on the user's behalf.
  constructor(@Inject(PROTEKT_CLIENT) private readonly protekt: Protekt) {}

  @Get()
  index() {
    return { ok: true, guarded: ['/api/me', '/api/email'] };
  }

  @Get('api/me')
  @UseGuards(ProtektGuard)
  me(@ProtektUser() user: User) {
    return { user };
  }

  @Get('api/email')
  @UseGuards(ProtektGuard)
  email(@ProtektUser('email') email: string) {
    return { email, project: this.protekt.loginId };
  }
}
