import { Controller } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Payload } from '@nestjs/microservices';
import {
  InboxSubjects,
  ListInboxRequest,
  MarkNotificationReadRequest,
  type InAppNotificationPage,
} from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';
import { InboxService } from './inbox.service';

@Controller()
export class InboxHandler {
  constructor(
    private readonly inbox: InboxService,
    // Read by @CreateRequestContext: each message gets its own EntityManager.
    readonly orm: MikroORM,
  ) {}

  @BusHandler(InboxSubjects.list)
  @CreateRequestContext()
  list(@Payload() request: ListInboxRequest): Promise<InAppNotificationPage> {
    return this.inbox.list(request);
  }

  @BusHandler(InboxSubjects.markRead)
  @CreateRequestContext()
  markRead(@Payload() request: MarkNotificationReadRequest): Promise<void> {
    return this.inbox.markRead(request);
  }
}
