import { Controller } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Payload } from '@nestjs/microservices';
import {
  ListMembersRequest,
  RemoveMemberRequest,
  TenancySubjects,
  UpdateMemberRequest,
  type DeletedResponse,
  type MemberListResponse,
  type MembershipDto,
} from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';
import { MemberService } from './member.service';

@Controller()
export class MemberHandler {
  constructor(
    private readonly members: MemberService,
    readonly orm: MikroORM,
  ) {}

  @BusHandler(TenancySubjects.listMembers)
  @CreateRequestContext()
  list(@Payload() request: ListMembersRequest): Promise<MemberListResponse> {
    return this.members.list(request.actor, request);
  }

  @BusHandler(TenancySubjects.updateMember)
  @CreateRequestContext()
  update(@Payload() request: UpdateMemberRequest): Promise<MembershipDto> {
    return this.members.changeRole(request.actor, request.orgId, request.userId, request.role);
  }

  @BusHandler(TenancySubjects.removeMember)
  @CreateRequestContext()
  async remove(@Payload() request: RemoveMemberRequest): Promise<DeletedResponse> {
    await this.members.remove(request.actor, request.orgId, request.userId);
    return { deleted: true };
  }
}
