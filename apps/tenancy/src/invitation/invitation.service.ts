import { Injectable, Logger } from '@nestjs/common';
import { Transactions } from '@northstar/persistence';
import {
  BusErrorCode,
  DomainException,
  INVITATION_TTL_SECONDS,
  TenancyEvents,
  TenancySubjects,
  type Actor,
  type CreateInvitationBody,
  type InvitationDto,
  type InvitationListResponse,
  type ListInvitationsRequest,
  type MembershipDto,
  type UserSummary,
  pageLimit,
  toPage,
} from '@northstar/contracts';
import { DurableEventPublisher } from '@northstar/messaging';
import { AccessChanges } from '../access/access-changes';
import { Memberships } from '../access/memberships';
import { positionCursor } from '../common/page';
import { toMembershipDto } from '../member/member.mapper';
import { Membership } from '../member/membership.entity';
import { MembershipRepository } from '../member/membership.repository';
import { UserDirectory } from '../member/user-directory';
import { OrgRepository } from '../org/org.repository';
import { PlanRoom } from '../plan/plan-room';
import { assertCan } from '../policy/policy';
import { InvitationLimits } from './invitation-limits';
import { hashInvitationToken, newInvitationToken } from './invitation-token';
import { Invitation } from './invitation.entity';
import { toInvitationDto } from './invitation.mapper';
import { InvitationRepository } from './invitation.repository';
import { EventTokenSealer } from '@northstar/sealing';

// Pending invitations, by creation time and then id.
const invitationsCursor = positionCursor(TenancySubjects.listInvitations);

const invalidToken = () =>
  DomainException.invalid(
    [{ field: 'token', message: 'token is invalid, already used or expired' }],
    'The invitation token is invalid, already used or expired',
  );

const usable = (invitation: Invitation | null, now: Date): invitation is Invitation =>
  invitation !== null && invitation.acceptedAt === null && invitation.expiresAt > now;

/**
 * Invitations: an admin invites an email address with a role (an owner only by an owner); the
 * notifications service emails the single-use token; the user signed in with that address, once it
 * is verified, accepts it and becomes a member. An unverified address cannot accept: anyone can
 * register any address, so only a verified one proves the invitee is the one holding the account.
 */
@Injectable()
export class InvitationService {
  private readonly logger = new Logger(InvitationService.name);

  constructor(
    private readonly invitations: InvitationRepository,
    private readonly memberships: MembershipRepository,
    private readonly access: Memberships,
    private readonly orgs: OrgRepository,
    private readonly users: UserDirectory,
    private readonly publisher: DurableEventPublisher,
    private readonly changes: AccessChanges,
    private readonly transactions: Transactions,
    private readonly limits: InvitationLimits,
    private readonly sealer: EventTokenSealer,
    private readonly room: PlanRoom,
  ) {}

  async create(actor: Actor, orgId: string, input: CreateInvitationBody): Promise<InvitationDto> {
    // Who may invite first (a stranger learns nothing of the organisation), then whether this user
    // may send email in its name at all, then how much: outside the transaction, which holds the
    // organisation's lock and should not wait on identity or Redis.
    await this.access.require(actor, orgId, 'invitations:manage');
    const inviter = await this.verifiedInviter(actor);
    await this.limits.hit(orgId, actor.userId);
    const token = newInvitationToken();
    const { invitation, orgName } = await this.transactions.run(async () => {
      const org = await this.orgs.lockForUpdate(orgId);
      if (!org) throw DomainException.notFound('Organisation');
      const own = await this.access.require(actor, orgId, 'invitations:manage');
      if (input.role === 'owner') assertCan(own.role, 'owners:manage');
      // Inviting an address again replaces its open invitation: only the newest email's link works.
      await this.invitations.withdrawOpen(orgId, input.email);
      await this.room.forMember(org, 'inviting');
      const created = Object.assign(new Invitation(), {
        orgId,
        email: input.email,
        role: input.role,
        tokenHash: hashInvitationToken(token),
        invitedBy: actor.userId,
      });
      created.expiresAt = new Date(created.createdAt.getTime() + INVITATION_TTL_SECONDS * 1000);
      return { invitation: await this.invitations.save(created), orgName: org.name };
    });
    // Not through the outbox: the token is never stored, even sealed.
    try {
      await this.publisher.publish(
        TenancyEvents.invitationCreated,
        {
          invitationId: invitation.id,
          orgId,
          orgName,
          email: invitation.email,
          role: invitation.role,
          invitedByName: inviter.name,
          token: this.sealer.seal(token),
          expiresAt: invitation.expiresAt.toISOString(),
        },
        { id: invitation.id },
      );
    } catch (error) {
      this.logger.error(`Publishing invitation ${invitation.id} failed: ${String(error)}`);
      // Nobody will ever see this token: take the invitation back so the answer means "nothing happened".
      await this.invitations.withdraw(orgId, invitation.id).catch(() => undefined);
      throw new DomainException(
        BusErrorCode.Unavailable,
        'The invitation email could not be queued; try again',
        {
          retryAfterSeconds: 5,
        },
      );
    }
    return toInvitationDto(invitation);
  }

  async listPending(actor: Actor, query: ListInvitationsRequest): Promise<InvitationListResponse> {
    await this.access.require(actor, query.orgId, 'invitations:manage');
    const limit = pageLimit(query.limit);
    const rows = await this.invitations.listPending(
      query.orgId,
      new Date(),
      invitationsCursor.decodeOptional(query.cursor),
      limit + 1,
    );
    return toPage(
      rows,
      limit,
      invitationsCursor,
      (row) => ({ at: row.createdAt, id: row.id }),
      toInvitationDto,
    );
  }

  /** Withdraws a pending invitation (admin): its link stops working at once. */
  async revoke(actor: Actor, orgId: string, invitationId: string): Promise<void> {
    await this.access.require(actor, orgId, 'invitations:manage');
    if (!(await this.invitations.withdraw(orgId, invitationId))) throw DomainException.notFound('Invitation');
  }

  async accept(actor: Actor, token: string): Promise<MembershipDto> {
    const now = new Date();
    const found = await this.invitations.findByTokenHash(hashInvitationToken(token));
    if (!usable(found, now)) throw invalidToken();

    const user = await this.users.byId(actor.userId);
    if (!user || user.email.toLowerCase() !== found.email) {
      throw DomainException.forbidden(
        'This invitation was sent to another email address: sign in with that address to accept it',
      );
    }
    if (!user.emailVerified) {
      throw DomainException.forbidden('Verify your email address before accepting an invitation');
    }

    const membership = await this.transactions.run(async () => {
      const org = await this.orgs.lockForUpdate(found.orgId);
      if (!org) throw invalidToken();
      // Read again under the lock: of two concurrent acceptances, the second finds it used.
      const invitation = await this.invitations.lock(found.orgId, found.id);
      if (!usable(invitation, now)) throw invalidToken();
      if (await this.memberships.find(invitation.orgId, actor.userId)) {
        throw DomainException.conflict('You are already a member of this organisation');
      }
      // Checked again here: the plan may have been lowered, or members added, since the invitation.
      await this.room.forMember(org, 'joining');
      const joined = Object.assign(new Membership(), {
        orgId: invitation.orgId,
        userId: actor.userId,
        role: invitation.role,
        joinedAt: now,
      });
      await this.memberships.save(joined);
      invitation.acceptedAt = now;
      invitation.acceptedBy = actor.userId;
      await this.invitations.save(invitation);
      return joined;
    });
    await this.changes.memberChanged(membership.orgId, actor.userId);
    return toMembershipDto(membership);
  }

  /**
   * The inviter, 403 unless their own email is verified: an invitation mails an address in the
   * organisation's name, which an unconfirmed sign-up may not start (API.md, second round). Identity
   * being unreachable refuses the invitation (503) rather than letting an unverified inviter through.
   */
  private async verifiedInviter(actor: Actor): Promise<UserSummary> {
    const user = await this.users.byId(actor.userId);
    if (user?.emailVerified !== true) {
      throw new DomainException(BusErrorCode.Forbidden, 'Verify your email address before inviting anyone', {
        problem: 'email-not-verified',
      });
    }
    return user;
  }
}
