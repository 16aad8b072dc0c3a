import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import type { OrgRole } from '@northstar/contracts';
import { randomUUID } from 'node:crypto';

@Entity({ tableName: 'invitations' })
export class Invitation {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'uuid' })
  orgId!: string;

  /** Lower-case. */
  @Property({ type: 'string', length: 254 })
  email!: string;

  @Property({ type: 'string', length: 16 })
  role!: OrgRole;

  /** SHA-256 (hex) of the token; the token itself exists only in the invitation email. */
  @Property({ type: 'string', length: 64, unique: true })
  tokenHash!: string;

  @Property({ type: 'uuid' })
  invitedBy!: string;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  acceptedAt: Date | null = null;

  @Property({ type: 'uuid', nullable: true })
  acceptedBy: string | null = null;
}
