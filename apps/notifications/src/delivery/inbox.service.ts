import { Injectable } from '@nestjs/common';
import {
  cursorCodec,
  cursorFields,
  pageLimit,
  toPage,
  DomainException,
  InboxSubjects,
  type InAppNotificationDto,
  type InAppNotificationPage,
  type ListInboxRequest,
  type MarkNotificationReadRequest,
} from '@northstar/contracts';
import { InboxRepository, type InboxPosition, type InboxRow } from './inbox.repository';
import { OrgMemberships } from './org-memberships';

// The inbox is listed newest first, by the notification's creation time and then id.
const inboxCursor = cursorCodec<InboxPosition>(InboxSubjects.list, {
  createdAt: cursorFields.time,
  id: cursorFields.uuid,
});

/** The in-app inbox: the notifications of the caller's organisations, each with the caller's read state. */
@Injectable()
export class InboxService {
  constructor(
    private readonly inbox: InboxRepository,
    private readonly memberships: OrgMemberships,
  ) {}

  async list(request: ListInboxRequest): Promise<InAppNotificationPage> {
    const after = inboxCursor.decodeOptional(request.cursor);
    const orgIds = await this.memberships.orgIdsOf(request.actor);
    const limit = pageLimit(request.limit);
    const page = await this.inbox.list(orgIds, request.actor.userId, after, limit + 1);
    return toPage(
      page,
      limit,
      inboxCursor,
      ({ notification }) => ({ createdAt: notification.createdAt, id: notification.id }),
      toDto,
    );
  }

  /** Idempotent. A notification of an organisation the caller is not in is answered as missing. */
  async markRead(request: MarkNotificationReadRequest): Promise<void> {
    const orgId = await this.inbox.findOrgOf(request.id);
    if (orgId === null) throw notificationNotFound();
    const orgIds = await this.memberships.orgIdsOf(request.actor);
    if (!orgIds.includes(orgId)) throw notificationNotFound();
    await this.inbox.markRead(orgId, request.id, request.actor.userId, new Date());
  }
}

function notificationNotFound(): DomainException {
  return DomainException.notFound('Notification');
}

function toDto({ notification, readAt }: InboxRow): InAppNotificationDto {
  return {
    id: notification.id,
    kind: notification.kind,
    orgId: notification.orgId,
    projectId: notification.projectId,
    alertId: notification.alertId,
    title: notification.title,
    body: notification.body,
    ...(notification.value === null ? {} : { value: notification.value }),
    createdAt: notification.createdAt.toISOString(),
    readAt: readAt === null ? null : readAt.toISOString(),
  };
}
