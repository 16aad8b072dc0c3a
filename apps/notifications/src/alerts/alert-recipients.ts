import { Injectable } from '@nestjs/common';
import {
  BusErrorCode,
  IdentitySubjects,
  MAX_PAGE_LIMIT,
  TenancySubjects,
  type Actor,
  type AlertChannelInputUnion,
  DomainException,
  type FieldError,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';

// Bounds a misbehaving cursor: 10,000 members.
const MAX_PAGES = 50;
// identity.user.by-ids takes at most this many ids at once.
const USERS_PER_REQUEST = 1000;

/**
 * Who alert emails may go to: the verified emails of the organisation's members, asked of tenancy (the
 * members) and identity (their emails and whether they are verified) whenever email channels are
 * saved, so that alerts cannot mail strangers (API.md, second round; issue 14, finding 4).
 */
@Injectable()
export class AlertRecipients {
  constructor(private readonly bus: BusClient) {}

  /**
   * 403 unless the actor's own email is verified: alerts send email and webhooks in the organisation's
   * name, which an unconfirmed sign-up may not start (API.md, second round).
   */
  async assertVerified(actor: Actor): Promise<void> {
    const { users } = await this.bus.send(IdentitySubjects.usersByIds, { userIds: [actor.userId] });
    if (users[0]?.emailVerified !== true) {
      throw new DomainException(BusErrorCode.Forbidden, 'Verify your email address before creating alerts', {
        problem: 'email-not-verified',
      });
    }
  }

  /** A problem for each email channel not addressed to a verified email of a member of `orgId`. */
  async problems(actor: Actor, orgId: string, channels: AlertChannelInputUnion[]): Promise<FieldError[]> {
    const emails = channels.flatMap((channel, index) =>
      channel.type === 'email' ? [{ field: `channels.${index}.to`, to: channel.to.toLowerCase() }] : [],
    );
    if (emails.length === 0) return [];
    const allowed = await this.verifiedMemberEmails(actor, orgId);
    return emails
      .filter(({ to }) => !allowed.has(to))
      .map(({ field }) => ({
        field,
        message: 'must be the verified email of a member of the organisation',
      }));
  }

  private async verifiedMemberEmails(actor: Actor, orgId: string): Promise<Set<string>> {
    const userIds = await this.memberIds(actor, orgId);
    const emails = new Set<string>();
    for (let start = 0; start < userIds.length; start += USERS_PER_REQUEST) {
      const { users } = await this.bus.send(IdentitySubjects.usersByIds, {
        userIds: userIds.slice(start, start + USERS_PER_REQUEST),
      });
      for (const user of users) if (user.emailVerified) emails.add(user.email.toLowerCase());
    }
    return emails;
  }

  // Asked as the actor, who manages the organisation's alerts and so may read its members.
  private async memberIds(actor: Actor, orgId: string): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = await this.bus.send(TenancySubjects.listMembers, {
        actor,
        orgId,
        limit: MAX_PAGE_LIMIT,
        ...(cursor === undefined ? {} : { cursor }),
      });
      ids.push(...answer.items.map((member) => member.userId));
      if (answer.nextCursor === null) return ids;
      cursor = answer.nextCursor;
    }
    throw new Error(`The members of organisation ${orgId} did not end after ${MAX_PAGES} pages`);
  }
}
