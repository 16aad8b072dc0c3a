import type { InvitationDto } from '@northstar/contracts';
import type { Invitation } from './invitation.entity';

export function toInvitationDto(invitation: Invitation): InvitationDto {
  return {
    id: invitation.id,
    orgId: invitation.orgId,
    email: invitation.email,
    role: invitation.role,
    invitedBy: invitation.invitedBy,
    createdAt: invitation.createdAt.toISOString(),
    expiresAt: invitation.expiresAt.toISOString(),
  };
}
