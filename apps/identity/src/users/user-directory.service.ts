import { Injectable } from '@nestjs/common';
import type { UsersByIdsResponse } from '@northstar/contracts';
import { toUserSummary } from './user.mapper';
import { UserRepository } from './user.repository';

/** Public facts about users for other services; no credentials, no sessions. */
@Injectable()
export class UserDirectoryService {
  constructor(private readonly users: UserRepository) {}

  /** The users that exist among `userIds`, in the order asked (each once); unknown ids are left out. */
  async byIds(userIds: string[]): Promise<UsersByIdsResponse> {
    const unique = [...new Set(userIds)];
    const found = new Map((await this.users.findByIds(unique)).map((user) => [user.id, user]));
    return {
      users: unique.flatMap((id) => {
        const user = found.get(id);
        return user ? [toUserSummary(user)] : [];
      }),
    };
  }
}
