import { Module, type DynamicModule } from '@nestjs/common';
import { EventTokenSealer } from '@northstar/sealing';
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
        { provide: EventTokenSealer, useValue: new EventTokenSealer(config.EVENT_TOKENS_KEY) },
        { provide: EmailChannel, useFactory: () => createEmailChannel(config) },
        EmailQueue,
        EmailService,
        EmailWorker,
        EmailEventsHandler,
      ],
      exports: [EmailService],
    };
  }
}
