import {
  TenancySubjects,
  type ListOrgsRequest,
  type OrgListResponse,
  type OrgWithRoleDto,
} from '@northstar/contracts';
import { JSONCodec, type NatsConnection, type Subscription } from 'nats';
import { randomUUID } from 'node:crypto';

// Stands in for tenancy in the inbox tests: answers tenancy.org.list on the real bus, in the wire
// format of the platform's NATS transport, from memberships the test declares. Pages of two, so
// that the inbox's paging through the list is exercised too.
const PAGE_SIZE = 2;

export class OrgListStandIn {
  private readonly orgsByUser = new Map<string, string[]>();
  private subscription?: Subscription;

  constructor(private readonly connection: NatsConnection) {}

  async start(): Promise<void> {
    const codec = JSONCodec<{ id?: string; data: ListOrgsRequest }>();
    const replies = JSONCodec();
    this.subscription = this.connection.subscribe(TenancySubjects.listOrgs, {
      queue: 'tenancy',
      callback: (error, message) => {
        if (error) return;
        const packet = codec.decode(message.data);
        message.respond(
          replies.encode({ id: packet.id, response: this.page(packet.data), isDisposed: true }),
        );
      },
    });
    await this.connection.flush();
  }

  stop(): void {
    this.subscription?.unsubscribe();
  }

  /** A new organisation whose members are these users. */
  organisation(...userIds: string[]): string {
    const orgId = randomUUID();
    for (const userId of userIds)
      this.orgsByUser.set(userId, [...(this.orgsByUser.get(userId) ?? []), orgId]);
    return orgId;
  }

  private page(request: ListOrgsRequest): OrgListResponse {
    const all = this.orgsByUser.get(request.actor.userId) ?? [];
    const start = request.cursor ? Number(Buffer.from(request.cursor, 'base64url').toString('utf8')) : 0;
    const items: OrgWithRoleDto[] = all.slice(start, start + PAGE_SIZE).map((id, index) => ({
      id,
      name: `Org ${start + index + 1}`,
      slug: `org-${start + index + 1}`,
      createdAt: new Date(0).toISOString(),
      role: 'member',
    }));
    const next = start + PAGE_SIZE;
    return {
      items,
      nextCursor: next < all.length ? Buffer.from(String(next), 'utf8').toString('base64url') : null,
    };
  }
}
