import { Module, type DynamicModule } from '@nestjs/common';
import { RedisModule } from '@northstar/redis';
import { NotificationsConfig } from './config';
import { EmailModule } from './email/email.module';

/** The notifications service: transactional email for now; alerts arrive with their issue. */
@Module({})
export class NotificationsModule {
  static forConfig(config: NotificationsConfig): DynamicModule {
    return {
      module: NotificationsModule,
      imports: [
        // Its readiness check puts Redis, where the email queue lives, on /ready.
        RedisModule.forRoot({ url: config.REDIS_URL, name: 'notifications' }),
        EmailModule.forConfig(config),
      ],
    };
  }
}
