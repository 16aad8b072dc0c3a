import { Controller } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Payload } from '@nestjs/microservices';
import {
  IdentitySubjects,
  ListSessionsRequest,
  MeRequest,
  RevokeSessionRequest,
  UpdateMeRequest,
  type DoneResponse,
  type SessionListResponse,
  type UserDto,
} from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';
import { AccountService } from './account.service';

@Controller()
export class AccountHandler {
  constructor(
    private readonly account: AccountService,
    // Read by @CreateRequestContext: each message gets its own EntityManager.
    readonly orm: MikroORM,
  ) {}

  @BusHandler(IdentitySubjects.me)
  @CreateRequestContext()
  me(@Payload() request: MeRequest): Promise<UserDto> {
    return this.account.me(request.principal);
  }

  @BusHandler(IdentitySubjects.updateMe)
  @CreateRequestContext()
  update(@Payload() request: UpdateMeRequest): Promise<UserDto> {
    const { principal, ...patch } = request;
    return this.account.update(principal, patch);
  }

  @BusHandler(IdentitySubjects.listSessions)
  @CreateRequestContext()
  listSessions(@Payload() request: ListSessionsRequest): Promise<SessionListResponse> {
    return this.account.listSessions(request);
  }

  @BusHandler(IdentitySubjects.revokeSession)
  @CreateRequestContext()
  async revokeSession(@Payload() request: RevokeSessionRequest): Promise<DoneResponse> {
    await this.account.revokeSession(request.principal, request.sessionId);
    return { done: true };
  }
}
