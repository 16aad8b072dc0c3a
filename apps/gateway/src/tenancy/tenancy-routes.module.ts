import { Module } from '@nestjs/common';
import { InvitationsController } from './invitations.controller';
import { MembersController } from './members.controller';
import { OrgPlans } from './org-plans';
import { OrgsController } from './orgs.controller';
import { PlansController } from './plans.controller';
import { ProjectsController } from './projects.controller';

/** The Tenancy routes of the public API (organisations, members, invitations, projects, plans). */
@Module({
  controllers: [
    OrgsController,
    MembersController,
    InvitationsController,
    ProjectsController,
    PlansController,
  ],
  providers: [OrgPlans],
})
export class TenancyRoutesModule {}
