import { ApiProperty, IntersectionType } from '@nestjs/swagger';
import { IsIn, IsUUID } from 'class-validator';
import { Nested } from '../common/nested';
import { Actor } from '../common/actor';
import { OrgIdParams } from './org.contract';
import { PageQuery, PageResponse } from '../common/pagination';
import { ORG_ROLES, type OrgRole } from './policy';

export class MemberParams extends OrgIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'userId must be a user id' })
  userId!: string;
}

export class ListMembersRequest extends PageQuery {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  orgId!: string;
}

export class UpdateMemberBody {
  @ApiProperty({ enum: ORG_ROLES, description: 'Only an owner grants or removes `owner`' })
  @IsIn(ORG_ROLES)
  role!: OrgRole;
}

/** Any request about one member of an organisation. */
export class RemoveMemberRequest {
  @Nested(Actor)
  actor!: Actor;

  @IsUUID()
  orgId!: string;

  @IsUUID()
  userId!: string;
}

export class UpdateMemberRequest extends IntersectionType(UpdateMemberBody, RemoveMemberRequest) {}

export class MemberDto {
  @ApiProperty({ format: 'uuid' })
  userId!: string;

  @ApiProperty({
    nullable: true,
    type: String,
    example: 'ada@example.com',
    description: 'null if the account is gone',
  })
  email!: string | null;

  @ApiProperty({
    nullable: true,
    type: String,
    example: 'Ada Lovelace',
    description: 'null if the account is gone',
  })
  name!: string | null;

  @ApiProperty({ enum: ORG_ROLES })
  role!: OrgRole;

  @ApiProperty({ format: 'date-time' })
  joinedAt!: string;
}

export class MemberListResponse extends PageResponse(MemberDto) {}

/** A membership as it was created (accepting an invitation) or changed. */
export class MembershipDto {
  @ApiProperty({ format: 'uuid' })
  orgId!: string;

  @ApiProperty({ format: 'uuid' })
  userId!: string;

  @ApiProperty({ enum: ORG_ROLES })
  role!: OrgRole;

  @ApiProperty({ format: 'date-time' })
  joinedAt!: string;
}
