import { Module, type DynamicModule } from '@nestjs/common';
import { PostgresModule } from '@northstar/persistence';
import { RedisModule } from '@northstar/redis';
import { alertsEntities, AlertsModule } from './alerts/alerts.module';
import { NotificationsConfig } from './config';
import { deliveryEntities, DeliveryModule } from './delivery/delivery.module';
import { EmailModule } from './email/email.module';
import { QuotaModule } from './quota/quota.module';
import { notificationsMigrations } from './migrations';

export const NOTIFICATIONS_SCHEMA = 'notifications';
export const notificationsEntities = [...alertsEntities, ...deliveryEntities];

/** The notifications service: transactional email, alert rules and their deliveries. */
@Module({})
export class NotificationsModule {
  static forConfig(config: NotificationsConfig): DynamicModule {
    // One instance, imported here and by the alerts (Nest tells dynamic modules apart by reference:
    // a second forConfig() would start a second delivery worker and inbox handler).
    const delivery = DeliveryModule.forConfig(config);
    const email = EmailModule.forConfig(config);
    return {
      module: NotificationsModule,
      imports: [
        PostgresModule.forService({
          url: config.DATABASE_URL,
          schema: NOTIFICATIONS_SCHEMA,
          entities: notificationsEntities,
          migrations: notificationsMigrations,
        }),
        // Its readiness check puts Redis, where the queues live, on /ready.
        RedisModule.forRoot({ url: config.REDIS_URL, name: 'notifications' }),
        email,
        delivery,
        AlertsModule.forConfig(config, delivery),
        QuotaModule.forModules(delivery, email),
      ],
    };
  }
}
