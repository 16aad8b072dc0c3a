import { Injectable } from '@nestjs/common';
import { TenancySubjects, type Actor } from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';

const PAGE_SIZE = 200;
// Bounds a misbehaving cursor; 10,000 organisations is far beyond anyone's inbox.
const MAX_PAGES = 50;

/**
 * The organisations a user belongs to, asked of tenancy on every inbox request: notifications keeps
 * no copy of memberships, so a member who leaves stops seeing the organisation's notifications.
 */
@Injectable()
export class OrgMemberships {
  constructor(private readonly bus: BusClient) {}

  async orgIdsOf(actor: Actor): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = await this.bus.send(TenancySubjects.listOrgs, {
        actor,
        limit: PAGE_SIZE,
        ...(cursor === undefined ? {} : { cursor }),
      });
      ids.push(...answer.items.map((org) => org.id));
      if (answer.nextCursor === null) return ids;
      cursor = answer.nextCursor;
    }
    throw new Error(`The organisations of user ${actor.userId} did not end after ${MAX_PAGES} pages`);
  }
}
