import { Controller } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Payload } from '@nestjs/microservices';
import {
  AlertHistoryRequest,
  AlertRequest,
  AlertsSubjects,
  CreateAlertRequest,
  ListAlertsRequest,
  UpdateAlertRequest,
  type AlertDto,
  type AlertHistoryResponse,
  type AlertListResponse,
  type AlertTestResponse,
  type DeletedResponse,
} from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';
import { AlertService } from './alert.service';

@Controller()
export class AlertHandler {
  constructor(
    private readonly alerts: AlertService,
    // Read by @CreateRequestContext: each message gets its own EntityManager.
    readonly orm: MikroORM,
  ) {}

  @BusHandler(AlertsSubjects.create)
  @CreateRequestContext()
  create(@Payload() request: CreateAlertRequest): Promise<AlertDto> {
    return this.alerts.create(request);
  }

  @BusHandler(AlertsSubjects.list)
  @CreateRequestContext()
  list(@Payload() request: ListAlertsRequest): Promise<AlertListResponse> {
    return this.alerts.list(request);
  }

  @BusHandler(AlertsSubjects.get)
  @CreateRequestContext()
  get(@Payload() request: AlertRequest): Promise<AlertDto> {
    return this.alerts.get(request);
  }

  @BusHandler(AlertsSubjects.update)
  @CreateRequestContext()
  update(@Payload() request: UpdateAlertRequest): Promise<AlertDto> {
    return this.alerts.update(request);
  }

  @BusHandler(AlertsSubjects.delete)
  @CreateRequestContext()
  delete(@Payload() request: AlertRequest): Promise<DeletedResponse> {
    return this.alerts.delete(request);
  }

  @BusHandler(AlertsSubjects.history)
  @CreateRequestContext()
  history(@Payload() request: AlertHistoryRequest): Promise<AlertHistoryResponse> {
    return this.alerts.history(request);
  }

  @BusHandler(AlertsSubjects.test)
  @CreateRequestContext()
  test(@Payload() request: AlertRequest): Promise<AlertTestResponse> {
    return this.alerts.test(request);
  }
}
