import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  AnalyticsSubjects,
  CountEventsRequest,
  type CountEventsResponse,
  KeyUsageRequest,
  OrgUsageRequest,
  RecordRpcUsageRequest,
  type KeyUsageResponse,
  type OrgUsageResponse,
  type RecordRpcUsageResponse,
} from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';
import { RpcUsageRepository } from './rpc-usage.repository';
import { UsageService } from './usage.service';

@Controller()
export class UsageHandler {
  constructor(
    private readonly usage: UsageService,
    private readonly rpcUsage: RpcUsageRepository,
  ) {}

  @BusHandler(AnalyticsSubjects.keyUsage)
  keyUsage(@Payload() request: KeyUsageRequest): Promise<KeyUsageResponse> {
    return this.usage.keyUsage(request);
  }

  /** The gateways' batched key verifications (no actor: the bus permissions let only the gateway send it). */
  @BusHandler(AnalyticsSubjects.recordRpcUsage)
  async recordRpcUsage(@Payload() request: RecordRpcUsageRequest): Promise<RecordRpcUsageResponse> {
    return { recorded: await this.rpcUsage.record(request) };
  }

  /** The gateways' quota reconciliation (no actor: the bus permissions let only the gateway send it). */
  @BusHandler(AnalyticsSubjects.countEvents)
  countEvents(@Payload() request: CountEventsRequest): Promise<CountEventsResponse> {
    return this.usage.countEvents(request);
  }

  @BusHandler(AnalyticsSubjects.orgUsage)
  orgUsage(@Payload() request: OrgUsageRequest): Promise<OrgUsageResponse> {
    return this.usage.orgUsage(request);
  }
}
