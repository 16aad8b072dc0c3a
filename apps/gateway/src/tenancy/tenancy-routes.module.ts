import { Module } from '@nestjs/common';
import { InvitationsController } from './invitations.controller';
import { MembersController } from './members.controller';
import { OrgsController } from './orgs.controller';
import { ProjectsController } from './projects.controller';

/** The Tenancy routes of the public API (organisations, members, invitations, projects). */
@Module({ controllers: [OrgsController, MembersController, InvitationsController, ProjectsController] })
export class TenancyRoutesModule {}
