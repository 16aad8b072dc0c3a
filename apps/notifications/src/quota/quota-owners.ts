import { Injectable } from '@nestjs/common';
import { IdentitySubjects, TenancySubjects } from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';

// identity.user.by-ids takes at most this many ids at once.
const USERS_PER_REQUEST = 1000;

export interface OrgOwners {
  orgName: string;
  /** The owners' verified email addresses: an unconfirmed address gets no mail in the organisation's name. */
  emails: string[];
}

/** Who is told about the organisation's quota: its owners, asked of tenancy and identity each time. */
@Injectable()
export class QuotaOwners {
  constructor(private readonly bus: BusClient) {}

  async of(orgId: string): Promise<OrgOwners> {
    const { name, ownerIds } = await this.bus.send(TenancySubjects.orgOwners, { orgId });
    const emails: string[] = [];
    for (let start = 0; start < ownerIds.length; start += USERS_PER_REQUEST) {
      const { users } = await this.bus.send(IdentitySubjects.usersByIds, {
        userIds: ownerIds.slice(start, start + USERS_PER_REQUEST),
      });
      for (const user of users) if (user.emailVerified) emails.push(user.email);
    }
    return { orgName: name, emails };
  }
}
