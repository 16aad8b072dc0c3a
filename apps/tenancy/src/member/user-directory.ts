import { Injectable } from '@nestjs/common';
import { IdentitySubjects, type UserSummary } from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';

/** Users as identity knows them: tenancy keeps only user ids and asks identity for the rest. */
@Injectable()
export class UserDirectory {
  constructor(private readonly bus: BusClient) {}

  /** One request for all the ids; users identity does not know are absent from the map. */
  async byIds(userIds: string[]): Promise<Map<string, UserSummary>> {
    const unique = [...new Set(userIds)];
    if (unique.length === 0) return new Map();
    const { users } = await this.bus.send(IdentitySubjects.usersByIds, { userIds: unique });
    return new Map(users.map((user) => [user.id, user]));
  }

  async byId(userId: string): Promise<UserSummary | undefined> {
    return (await this.byIds([userId])).get(userId);
  }
}
