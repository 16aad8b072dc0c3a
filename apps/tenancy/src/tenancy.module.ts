import { Module, type DynamicModule } from '@nestjs/common';
import { OutboxMessage, OutboxModule, PostgresModule } from '@northstar/persistence';
import { RedisModule } from '@northstar/redis';
import { AccessChanges } from './access/access-changes';
import { AccessCache } from './access/access.cache';
import { AccessHandler } from './access/access.handler';
import { AccessService } from './access/access.service';
import { Memberships } from './access/memberships';
import { TenancyConfig } from './config';
import { Invitation } from './invitation/invitation.entity';
import { InvitationLimits } from './invitation/invitation-limits';
import { InvitationHandler } from './invitation/invitation.handler';
import { InvitationRepository } from './invitation/invitation.repository';
import { EventTokenSealer } from '@northstar/sealing';
import { InvitationService } from './invitation/invitation.service';
import { MemberHandler } from './member/member.handler';
import { MemberService } from './member/member.service';
import { Membership } from './member/membership.entity';
import { MembershipRepository } from './member/membership.repository';
import { UserDirectory } from './member/user-directory';
import { tenancyMigrations } from './migrations';
import { OrgHandler } from './org/org.handler';
import { OrgRepository } from './org/org.repository';
import { OrgService } from './org/org.service';
import { Organisation } from './org/organisation.entity';
import { Plan } from './plan/plan.entity';
import { PlanHandler } from './plan/plan.handler';
import { ServiceLookupsHandler } from './lookups/service-lookups.handler';
import { ServiceLookupsRepository } from './lookups/service-lookups.repository';
import { PlanRepository } from './plan/plan.repository';
import { PlanRoom } from './plan/plan-room';
import { PlanService } from './plan/plan.service';
import { Project } from './project/project.entity';
import { ProjectHandler } from './project/project.handler';
import { ProjectRepository } from './project/project.repository';
import { ProjectService } from './project/project.service';

export const TENANCY_SCHEMA = 'tenancy';
export const tenancyEntities = [Plan, Organisation, Membership, Invitation, Project, OutboxMessage];

/** Organisations, memberships and roles, invitations, projects and plans, in PostgreSQL schema `tenancy`. */
@Module({})
export class TenancyModule {
  static forConfig(config: TenancyConfig): DynamicModule {
    return {
      module: TenancyModule,
      imports: [
        PostgresModule.forService({
          url: config.DATABASE_URL,
          schema: TENANCY_SCHEMA,
          entities: tenancyEntities,
          migrations: tenancyMigrations,
        }),
        RedisModule.forRoot({ url: config.REDIS_URL, name: 'tenancy' }),
        OutboxModule.forService({ relayIntervalMs: config.TENANCY_OUTBOX_RELAY_INTERVAL_MS }),
      ],
      controllers: [
        OrgHandler,
        MemberHandler,
        InvitationHandler,
        ProjectHandler,
        AccessHandler,
        PlanHandler,
        ServiceLookupsHandler,
      ],
      providers: [
        { provide: TenancyConfig, useValue: config },
        { provide: EventTokenSealer, useValue: new EventTokenSealer(config.EVENT_TOKENS_KEY) },
        OrgRepository,
        MembershipRepository,
        InvitationRepository,
        ProjectRepository,
        PlanRepository,
        ServiceLookupsRepository,
        PlanRoom,
        PlanService,
        AccessCache,
        AccessChanges,
        Memberships,
        UserDirectory,
        AccessService,
        OrgService,
        MemberService,
        InvitationLimits,
        InvitationService,
        ProjectService,
      ],
    };
  }
}
