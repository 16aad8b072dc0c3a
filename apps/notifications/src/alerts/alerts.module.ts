import { Module, type DynamicModule } from '@nestjs/common';
import { TenantAccess } from '@northstar/messaging';
import { NotificationLimits } from '../common/notification-limits';
import { NotificationsConfig } from '../config';
import { AlertAccess } from './alert-access';
import { AlertEvaluationService } from './alert-evaluation.service';
import { AlertEvaluationWorker } from './alert-evaluation.worker';
import { AlertEvent } from './alert-event.entity';
import { AlertMeasure } from './alert-measure';
import { AlertNotifier } from './alert-notifier';
import { AlertRecipients } from './alert-recipients';
import { AlertScheduler } from './alert-scheduler';
import { Alert } from './alert.entity';
import { AlertHandler } from './alert.handler';
import { AlertRepository } from './alert.repository';
import { AlertService } from './alert.service';
import { ProjectDeletedListener } from './project-deleted.listener';

/** Entities of the alerts area, registered with the service's MikroORM. */
export const alertsEntities: Array<new (...args: never[]) => object> = [Alert, AlertEvent];

/** Alert rules: CRUD, scheduled evaluation, state and history. */
@Module({})
export class AlertsModule {
  /** `delivery` is the root's DeliveryModule: the same object, so that Nest makes one instance of it. */
  static forConfig(config: NotificationsConfig, delivery: DynamicModule): DynamicModule {
    return {
      module: AlertsModule,
      imports: [delivery],
      controllers: [AlertHandler],
      providers: [
        { provide: NotificationsConfig, useValue: config },
        AlertRepository,
        TenantAccess,
        AlertAccess,
        AlertMeasure,
        AlertNotifier,
        NotificationLimits,
        AlertRecipients,
        AlertScheduler,
        AlertEvaluationService,
        AlertEvaluationWorker,
        AlertService,
        ProjectDeletedListener,
      ],
      exports: [AlertScheduler, AlertEvaluationService],
    };
  }
}
