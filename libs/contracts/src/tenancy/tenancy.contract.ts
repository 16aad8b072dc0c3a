import type { DeletedResponse } from '../chains/chains.contract';
import type { Rpc } from '../rpc';
import type { AccessGrant, CheckAccessRequest } from './access.contract';
import type {
  AcceptInvitationRequest,
  CreateInvitationRequest,
  InvitationDto,
  InvitationListResponse,
  ListInvitationsRequest,
  RevokeInvitationRequest,
} from './invitation.contract';
import type {
  ListMembersRequest,
  MemberListResponse,
  MembershipDto,
  RemoveMemberRequest,
  UpdateMemberRequest,
} from './member.contract';
import type {
  CreateOrgRequest,
  ListOrgsRequest,
  OrgDto,
  OrgListResponse,
  OrgRequest,
  OrgWithRoleDto,
  UpdateOrgRequest,
} from './org.contract';
import type {
  ListPlansRequest,
  OrgPlanLimitsDto,
  OrgPlanLimitsRequest,
  OrgOwnersDto,
  OrgOwnersRequest,
  OrgPlanStateDto,
  PlanDto,
  ProjectRetentionRequest,
  ProjectRetentionResponse,
  SetOrgPlanRequest,
} from './plan.contract';
import type {
  CreateProjectRequest,
  ListProjectsRequest,
  ProjectDto,
  ProjectListResponse,
  ProjectRequest,
  UpdateProjectRequest,
} from './project.contract';

// The requests and answers of each entity live in its own file (access, org, member, invitation,
// project, plan); this file holds the subjects and the map from subject to request and response.

export * from './timezone';

/**
 * Request/reply subjects of tenancy. Every request carries the acting user (`actor`); tenancy checks
 * the actor's membership and role itself. Objects of an organisation the actor is not a member of
 * answer `not_found`, never `forbidden`: their existence is not revealed.
 */
export const TenancySubjects = {
  /**
   * "May this actor do X on this project (or organisation)?" for keys, analytics and notifications.
   * Answers the grant, or fails with not_found (not a member: the object is invisible) or
   * forbidden (a member whose role lacks the permission).
   */
  checkAccess: 'tenancy.access.check',
  createOrg: 'tenancy.org.create',
  listOrgs: 'tenancy.org.list',
  getOrg: 'tenancy.org.get',
  updateOrg: 'tenancy.org.update',
  /** Deletes the organisation with its projects (one tenancy.project.deleted each), members, invitations. */
  deleteOrg: 'tenancy.org.delete',
  listMembers: 'tenancy.member.list',
  updateMember: 'tenancy.member.update',
  removeMember: 'tenancy.member.remove',
  createInvitation: 'tenancy.invitation.create',
  listInvitations: 'tenancy.invitation.list',
  acceptInvitation: 'tenancy.invitation.accept',
  /** Withdraws a pending invitation: its emailed link stops working. */
  revokeInvitation: 'tenancy.invitation.revoke',
  createProject: 'tenancy.project.create',
  listProjects: 'tenancy.project.list',
  getProject: 'tenancy.project.get',
  updateProject: 'tenancy.project.update',
  /** Publishes tenancy.project.deleted (durable): keys, ingestion and notifications clean up. */
  deleteProject: 'tenancy.project.delete',
  /** The plans of the platform, for anyone (no actor). */
  listPlans: 'tenancy.plan.list',
  /** The organisation's plan, the current period and tenancy's counts (viewer and up). */
  getOrgPlan: 'tenancy.org.plan.get',
  /**
   * Puts the organisation on another plan (platform admins only; not a member role). Publishes
   * tenancy.org.plan_changed (durable) when the plan changes.
   */
  setOrgPlan: 'tenancy.org.plan.set',
  /**
   * For services, no actor: the organisation's plan with its limits and per-key defaults (keys checks
   * maxKeys with it; the gateway's ingestion quota reads monthlyEvents). not_found for no organisation.
   */
  orgPlanLimits: 'tenancy.org.plan.limits',
  /** For services, no actor: an organisation's name and its owners (who get its quota warnings). */
  orgOwners: 'tenancy.org.owners',
  /** For services, no actor: how many days of events each project's plan keeps (retention). */
  projectRetention: 'tenancy.project.retention',
} as const;

export interface TenancyContract {
  [TenancySubjects.checkAccess]: Rpc<CheckAccessRequest, AccessGrant>;
  [TenancySubjects.createOrg]: Rpc<CreateOrgRequest, OrgDto>;
  [TenancySubjects.listOrgs]: Rpc<ListOrgsRequest, OrgListResponse>;
  [TenancySubjects.getOrg]: Rpc<OrgRequest, OrgWithRoleDto>;
  [TenancySubjects.updateOrg]: Rpc<UpdateOrgRequest, OrgWithRoleDto>;
  [TenancySubjects.deleteOrg]: Rpc<OrgRequest, DeletedResponse>;
  [TenancySubjects.listMembers]: Rpc<ListMembersRequest, MemberListResponse>;
  [TenancySubjects.updateMember]: Rpc<UpdateMemberRequest, MembershipDto>;
  [TenancySubjects.removeMember]: Rpc<RemoveMemberRequest, DeletedResponse>;
  [TenancySubjects.createInvitation]: Rpc<CreateInvitationRequest, InvitationDto>;
  [TenancySubjects.listInvitations]: Rpc<ListInvitationsRequest, InvitationListResponse>;
  [TenancySubjects.acceptInvitation]: Rpc<AcceptInvitationRequest, MembershipDto>;
  [TenancySubjects.revokeInvitation]: Rpc<RevokeInvitationRequest, DeletedResponse>;
  [TenancySubjects.createProject]: Rpc<CreateProjectRequest, ProjectDto>;
  [TenancySubjects.listProjects]: Rpc<ListProjectsRequest, ProjectListResponse>;
  [TenancySubjects.getProject]: Rpc<ProjectRequest, ProjectDto>;
  [TenancySubjects.updateProject]: Rpc<UpdateProjectRequest, ProjectDto>;
  [TenancySubjects.deleteProject]: Rpc<ProjectRequest, DeletedResponse>;
  [TenancySubjects.listPlans]: Rpc<ListPlansRequest, PlanDto[]>;
  [TenancySubjects.getOrgPlan]: Rpc<OrgRequest, OrgPlanStateDto>;
  [TenancySubjects.setOrgPlan]: Rpc<SetOrgPlanRequest, OrgPlanStateDto>;
  [TenancySubjects.orgPlanLimits]: Rpc<OrgPlanLimitsRequest, OrgPlanLimitsDto>;
  [TenancySubjects.orgOwners]: Rpc<OrgOwnersRequest, OrgOwnersDto>;
  [TenancySubjects.projectRetention]: Rpc<ProjectRetentionRequest, ProjectRetentionResponse>;
}
