import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import { DEFAULT_PLAN_ID } from '@northstar/contracts';
import { randomUUID } from 'node:crypto';

@Entity({ tableName: 'organisations' })
export class Organisation {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'string', length: 100 })
  name!: string;

  /** Unique across the platform. */
  @Property({ type: 'string', length: 48, unique: true })
  slug!: string;

  /** Members must sign in with two factors (owners set it): the others get 403 `mfa-required`. */
  @Property({ type: 'boolean' })
  requireMfa: boolean & Opt = false;

  /**
   * Single sign-on provider ids whose own MFA counts as two factors here: a member whose session a
   * listed provider signed in meets `requireMfa` without our second factor.
   */
  @Property({ type: 'text[]' })
  trustedMfaProviders: string[] & Opt = [];

  /** The plan's id (tenancy.plans): its limits refuse new projects, members and keys. */
  @Property({ type: 'string', length: 32 })
  planId: string & Opt = DEFAULT_PLAN_ID;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
