import { Injectable } from '@nestjs/common';
import { Outbox, OutboxRepository, Transactions } from '@northstar/persistence';
import {
  DomainException,
  TenancyEvents,
  TenancySubjects,
  type Actor,
  type CreateOrgBody,
  type ListOrgsRequest,
  type OrgDto,
  type OrgListResponse,
  type OrgWithRoleDto,
  type UpdateOrgBody,
  pageLimit,
  toPage,
} from '@northstar/contracts';
import { randomBytes } from 'node:crypto';
import { AccessChanges } from '../access/access-changes';
import { Memberships } from '../access/memberships';
import { meetsMfaRules, mfaRequired } from '../access/mfa-required';
import { assertCan } from '../policy/policy';
import { isConflict, SLUG_ATTEMPTS } from '../common/conflict';
import { positionCursor } from '../common/page';
import { firstFreeSlug, slugify } from '../common/slug';
import { Membership } from '../member/membership.entity';
import { MembershipRepository } from '../member/membership.repository';
import { ProjectRepository } from '../project/project.repository';
import { toOrgDto, toOrgWithRoleDto } from './org.mapper';
import { OrgRepository } from './org.repository';
import { Organisation } from './organisation.entity';

// The caller's organisations, by join time and then organisation id.
const orgsCursor = positionCursor(TenancySubjects.listOrgs);

/** Organisations: any user creates one (and owns it); members read it, admins change it, owners delete it. */
@Injectable()
export class OrgService {
  constructor(
    private readonly orgs: OrgRepository,
    private readonly memberships: MembershipRepository,
    private readonly access: Memberships,
    private readonly projects: ProjectRepository,
    private readonly outbox: OutboxRepository,
    private readonly publisher: Outbox,
    private readonly changes: AccessChanges,
    private readonly transactions: Transactions,
  ) {}

  async create(actor: Actor, input: CreateOrgBody): Promise<OrgDto> {
    for (let attempt = 1; ; attempt++) {
      const slug = input.slug ?? (await this.derivedSlug(input.name, attempt));
      try {
        return await this.transactions.run(async () => {
          const org = Object.assign(new Organisation(), { name: input.name, slug });
          await this.orgs.save(org);
          const owner = Object.assign(new Membership(), {
            orgId: org.id,
            userId: actor.userId,
            role: 'owner',
            joinedAt: org.createdAt,
          });
          await this.memberships.save(owner);
          return toOrgDto(org);
        });
      } catch (error) {
        // A derived slug taken by a concurrent request since we looked: derive another one.
        if (input.slug === undefined && isConflict(error) && attempt < SLUG_ATTEMPTS) continue;
        throw error;
      }
    }
  }

  async list(actor: Actor, query: ListOrgsRequest): Promise<OrgListResponse> {
    const limit = pageLimit(query.limit);
    const rows = await this.memberships.listOfUser(
      actor.userId,
      orgsCursor.decodeOptional(query.cursor),
      limit + 1,
    );
    const orgs = new Map(
      (await this.orgs.findByIds(rows.map((row) => row.orgId))).map((org) => [org.id, org]),
    );
    // An organisation deleted between the two reads is simply left out of the page.
    const page = toPage(
      rows,
      limit,
      orgsCursor,
      (row) => ({ at: row.joinedAt, id: row.orgId }),
      (row) => ({ row, org: orgs.get(row.orgId) }),
    );
    return {
      items: page.items.flatMap(({ row, org }) => (org ? [toOrgWithRoleDto(org, row.role)] : [])),
      nextCursor: page.nextCursor,
    };
  }

  async get(actor: Actor, orgId: string): Promise<OrgWithRoleDto> {
    const membership = await this.access.require(actor, orgId, 'org:read');
    const org = await this.orgs.findById(orgId);
    if (!org) throw DomainException.notFound('Organisation');
    return toOrgWithRoleDto(org, membership.role);
  }

  async update(actor: Actor, orgId: string, patch: UpdateOrgBody): Promise<OrgWithRoleDto> {
    const { updated, rulesChanged } = await this.transactions.run(async () => {
      const org = await this.orgs.lockForUpdate(orgId);
      if (!org) throw DomainException.notFound('Organisation');
      const membership = await this.access.require(actor, orgId, 'org:update');
      const trusted = patch.trustedMfaProviders;
      const changesRules =
        (patch.requireMfa !== undefined && patch.requireMfa !== org.requireMfa) ||
        (trusted !== undefined && !sameMembers(trusted, org.trustedMfaProviders));
      if (patch.requireMfa !== undefined || trusted !== undefined) {
        assertCan(membership.role, 'org:security');
        const rules = {
          requireMfa: patch.requireMfa ?? org.requireMfa,
          trustedMfaProviders: trusted ?? org.trustedMfaProviders,
        };
        // An owner whose own sign-in does not meet the new rules would lock themselves out of what
        // they just protected (by requiring two factors, or by distrusting the provider they came through).
        if (changesRules && !meetsMfaRules(actor, rules)) {
          throw mfaRequired(
            'Your own sign-in would not meet these rules: turn on two-factor sign-in, or sign in through a ' +
              'provider the organisation trusts, before requiring it of the organisation',
          );
        }
        org.requireMfa = rules.requireMfa;
        org.trustedMfaProviders = [...rules.trustedMfaProviders];
      }
      if (patch.name !== undefined) org.name = patch.name;
      if (patch.slug !== undefined) org.slug = patch.slug;
      await this.orgs.save(org);
      return { updated: toOrgWithRoleDto(org, membership.role), rulesChanged: changesRules };
    });
    if (rulesChanged) await this.changes.orgRulesChanged(orgId);
    return updated;
  }

  /** Deletes the organisation with its memberships, invitations and projects (one project event each). */
  async delete(actor: Actor, orgId: string): Promise<void> {
    const deletedAt = new Date().toISOString();
    const { projectIds, messageIds } = await this.transactions.run(async () => {
      const org = await this.orgs.lockForUpdate(orgId);
      if (!org) throw DomainException.notFound('Organisation');
      await this.access.require(actor, orgId, 'org:delete');
      const ids = await this.projects.idsOf(orgId);
      const messages = ids.map((projectId) =>
        this.outbox.add(TenancyEvents.projectDeleted, { projectId, orgId, deletedAt }),
      );
      await this.outbox.flush();
      await this.orgs.delete(orgId);
      return { projectIds: ids, messageIds: messages.map((message) => message.id) };
    });
    await this.changes.orgDeleted(orgId, projectIds);
    await this.publisher.publishNow(messageIds);
  }

  private async derivedSlug(name: string, attempt: number): Promise<string> {
    const base = slugify(name, 'org');
    // After repeated collisions with concurrent creations of the same name, stop counting and go random.
    if (attempt >= SLUG_ATTEMPTS - 1) return `${base}-${randomBytes(3).toString('hex')}`;
    return firstFreeSlug(base, await this.orgs.slugsLike(base));
  }
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item) => b.includes(item));
}
