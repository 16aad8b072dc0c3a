import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { Nested } from '../common/nested';
import { IsEmailAddress } from '../common/email';
import { Actor } from '../common/actor';
import { PageQuery, PageResponse } from '../common/pagination';
import { trimLower } from '../common/transforms';
import { OrgIdParams } from './org.contract';
import { ORG_ROLES, type OrgRole } from './policy';

/** How long an invitation's token stays valid. */
export const INVITATION_TTL_SECONDS = 7 * 24 * 3600;

export class CreateInvitationBody {
  @ApiProperty({
    example: 'grace@example.com',
    maxLength: 254,
    description: 'Case-insensitive; stored lower-case',
  })
  @Transform(trimLower)
  @IsEmailAddress({ message: 'email must be an email address' })
  @MaxLength(254)
  email!: string;

  @ApiProperty({ enum: ORG_ROLES, description: 'Only an owner may invite an owner' })
  @IsIn(ORG_ROLES)
  role!: OrgRole;
}

export class CreateInvitationRequest extends CreateInvitationBody {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  orgId!: string;
}

export class ListInvitationsRequest extends PageQuery {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  orgId!: string;
}

export class InvitationParams extends OrgIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'invitationId must be an invitation id' })
  invitationId!: string;
}

export class RevokeInvitationRequest {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  orgId!: string;

  @IsUUID()
  invitationId!: string;
}

export class AcceptInvitationBody {
  @ApiProperty({ description: 'The token of the invitation email' })
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  token!: string;
}

export class AcceptInvitationRequest extends AcceptInvitationBody {
  @Nested(Actor)
  actor!: Actor;
}

export class InvitationDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  orgId!: string;

  @ApiProperty({ example: 'grace@example.com' })
  email!: string;

  @ApiProperty({ enum: ORG_ROLES })
  role!: OrgRole;

  @ApiProperty({ format: 'uuid', description: 'The user who sent the invitation' })
  invitedBy!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', description: 'The token stops working at this time (7 days)' })
  expiresAt!: string;
}

export class InvitationListResponse extends PageResponse(InvitationDto) {}
