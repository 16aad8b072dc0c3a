import { Module, type DynamicModule } from '@nestjs/common';
import { NotificationLimits } from '../common/notification-limits';
import { SecretBox } from '../common/secret-box';
import { NotificationsConfig } from '../config';
import { createEmailChannel, EmailChannel } from '../email/email.channel';
import { Delivery, DeliveryAttempt, InAppNotification, NotificationRead } from './delivery.entities';
import { DeliveryQueue } from './delivery.queue';
import { DeliveryRepository } from './delivery.repository';
import { DeliveryService } from './delivery.service';
import { DeliveryWorker } from './delivery.worker';
import { InboxHandler } from './inbox.handler';
import { InboxRepository } from './inbox.repository';
import { InboxService } from './inbox.service';
import { OrgMemberships } from './org-memberships';
import { WebhookSender } from './webhook.sender';
import { ChatSender } from './chat.sender';

/** Entities of the delivery area, registered with the service's MikroORM. */
export const deliveryEntities: Array<new (...args: never[]) => object> = [
  Delivery,
  DeliveryAttempt,
  InAppNotification,
  NotificationRead,
];

/** Deliveries of alert notifications (email, webhook, chats, in-app) as BullMQ jobs, and the in-app inbox. */
@Module({})
export class DeliveryModule {
  static forConfig(config: NotificationsConfig): DynamicModule {
    return {
      module: DeliveryModule,
      controllers: [InboxHandler],
      providers: [
        { provide: NotificationsConfig, useValue: config },
        // The email area's transport (SMTP, or files in development), an instance of its own here.
        { provide: EmailChannel, useFactory: () => createEmailChannel(config) },
        WebhookSender,
        ChatSender,
        NotificationLimits,
        SecretBox,
        DeliveryRepository,
        InboxRepository,
        DeliveryQueue,
        DeliveryService,
        DeliveryWorker,
        OrgMemberships,
        InboxService,
      ],
      exports: [DeliveryService, SecretBox, InboxRepository],
    };
  }
}
