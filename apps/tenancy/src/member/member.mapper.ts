import type { MemberDto, MembershipDto, UserSummary } from '@northstar/contracts';
import type { Membership } from './membership.entity';

export function toMembershipDto(membership: Membership): MembershipDto {
  return {
    orgId: membership.orgId,
    userId: membership.userId,
    role: membership.role,
    joinedAt: membership.joinedAt.toISOString(),
  };
}

export function toMemberDto(membership: Membership, user: UserSummary | undefined): MemberDto {
  return {
    userId: membership.userId,
    email: user?.email ?? null,
    name: user?.name ?? null,
    role: membership.role,
    joinedAt: membership.joinedAt.toISOString(),
  };
}
