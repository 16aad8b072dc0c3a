import { Controller } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Payload } from '@nestjs/microservices';
import {
  AcceptInvitationRequest,
  CreateInvitationRequest,
  ListInvitationsRequest,
  RevokeInvitationRequest,
  TenancySubjects,
  type DeletedResponse,
  type InvitationDto,
  type InvitationListResponse,
  type MembershipDto,
} from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';
import { InvitationService } from './invitation.service';

@Controller()
export class InvitationHandler {
  constructor(
    private readonly invitations: InvitationService,
    readonly orm: MikroORM,
  ) {}

  @BusHandler(TenancySubjects.createInvitation)
  @CreateRequestContext()
  create(@Payload() request: CreateInvitationRequest): Promise<InvitationDto> {
    return this.invitations.create(request.actor, request.orgId, {
      email: request.email,
      role: request.role,
    });
  }

  @BusHandler(TenancySubjects.listInvitations)
  @CreateRequestContext()
  list(@Payload() request: ListInvitationsRequest): Promise<InvitationListResponse> {
    return this.invitations.listPending(request.actor, request);
  }

  @BusHandler(TenancySubjects.acceptInvitation)
  @CreateRequestContext()
  accept(@Payload() request: AcceptInvitationRequest): Promise<MembershipDto> {
    return this.invitations.accept(request.actor, request.token);
  }

  @BusHandler(TenancySubjects.revokeInvitation)
  @CreateRequestContext()
  async revoke(@Payload() request: RevokeInvitationRequest): Promise<DeletedResponse> {
    await this.invitations.revoke(request.actor, request.orgId, request.invitationId);
    return { deleted: true };
  }
}
