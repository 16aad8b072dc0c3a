import type { PlatformRole, UserDto, UserSummary } from '@northstar/contracts';
import type { User } from './user.entity';

export function toUserDto(user: User, role: PlatformRole): UserDto {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    emailVerified: user.emailVerified,
    mfaEnabled: user.mfaEnabled,
    role,
    createdAt: user.createdAt.toISOString(),
  };
}

export function toUserSummary(user: User): UserSummary {
  return { id: user.id, email: user.email, name: user.name, emailVerified: user.emailVerified };
}
