import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  AnalyticsSubjects,
  KeyUsageRequest,
  OrgUsageRequest,
  type KeyUsageResponse,
  type OrgUsageResponse,
} from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';
import { UsageService } from './usage.service';

@Controller()
export class UsageHandler {
  constructor(private readonly usage: UsageService) {}

  @BusHandler(AnalyticsSubjects.keyUsage)
  keyUsage(@Payload() request: KeyUsageRequest): Promise<KeyUsageResponse> {
    return this.usage.keyUsage(request);
  }

  @BusHandler(AnalyticsSubjects.orgUsage)
  orgUsage(@Payload() request: OrgUsageRequest): Promise<OrgUsageResponse> {
    return this.usage.orgUsage(request);
  }
}
