import { Module, type DynamicModule } from '@nestjs/common';
import { NotificationsConfig } from '../config';
import { createEmailChannel, EmailChannel } from './email.channel';
import { EmailEventsHandler } from './email.handler';
import { EmailQueue } from './email.queue';
import { EmailService } from './email.service';
import { EmailWorker } from './email.worker';

/** Transactional email: events in, a BullMQ queue in between, SMTP (or files in development) out. */
@Module({})
export class EmailModule {
  static forConfig(config: NotificationsConfig): DynamicModule {
    return {
      module: EmailModule,
      providers: [
        { provide: NotificationsConfig, useValue: config },
        { provide: EmailChannel, useFactory: () => createEmailChannel(config) },
        EmailQueue,
        EmailService,
        EmailWorker,
        EmailEventsHandler,
      ],
    };
  }
}
