import { Controller } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Payload } from '@nestjs/microservices';
import { IdentitySubjects, UsersByIdsRequest, type UsersByIdsResponse } from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';
import { UserDirectoryService } from './user-directory.service';

/** Lookups for other services (tenancy's member lists and invitations). */
@Controller()
export class UserHandler {
  constructor(
    private readonly directory: UserDirectoryService,
    // Read by @CreateRequestContext: each message gets its own EntityManager.
    readonly orm: MikroORM,
  ) {}

  @BusHandler(IdentitySubjects.usersByIds)
  @CreateRequestContext()
  byIds(@Payload() request: UsersByIdsRequest): Promise<UsersByIdsResponse> {
    return this.directory.byIds(request.userIds);
  }
}
