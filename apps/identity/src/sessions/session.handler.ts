import { Controller } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Payload } from '@nestjs/microservices';
import { IdentitySubjects, SessionStatusRequest, type SessionStatusResponse } from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';
import { SessionRevocations } from './session-revocations';

@Controller()
export class SessionHandler {
  constructor(
    private readonly revocations: SessionRevocations,
    // Read by @CreateRequestContext: each message gets its own EntityManager.
    readonly orm: MikroORM,
  ) {}

  @BusHandler(IdentitySubjects.sessionStatus)
  @CreateRequestContext()
  async status(@Payload() request: SessionStatusRequest): Promise<SessionStatusResponse> {
    return { active: await this.revocations.isActive(request.userId, request.sessionId) };
  }
}
