import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261129000000CreateAlerts } from './Migration20261129000000CreateAlerts';
import { Migration20261129000100CreateDeliveries } from './Migration20261129000100CreateDeliveries';
import { Migration20261205000000SuppressedDeliveries } from './Migration20261205000000SuppressedDeliveries';
import { Migration20261206100000QuotaNotices } from './Migration20261206100000QuotaNotices';
import { Migration20261206200000ChatDeliveries } from './Migration20261206200000ChatDeliveries';
import { Migration20261207010000CustomMetricAlerts } from './Migration20261207010000CustomMetricAlerts';

/** In order of application; a new migration is appended, never inserted. */
export const notificationsMigrations: MigrationObject[] = [
  { name: 'Migration20261129000000CreateAlerts', class: Migration20261129000000CreateAlerts },
  { name: 'Migration20261129000100CreateDeliveries', class: Migration20261129000100CreateDeliveries },
  { name: 'Migration20261205000000SuppressedDeliveries', class: Migration20261205000000SuppressedDeliveries },
  { name: 'Migration20261206100000QuotaNotices', class: Migration20261206100000QuotaNotices },
  { name: 'Migration20261206200000ChatDeliveries', class: Migration20261206200000ChatDeliveries },
  { name: 'Migration20261207010000CustomMetricAlerts', class: Migration20261207010000CustomMetricAlerts },
];
