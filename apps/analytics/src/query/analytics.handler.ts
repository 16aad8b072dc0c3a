import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  AnalyticsSubjects,
  EventsRequest,
  FunnelRequest,
  MetricRequest,
  SummaryRequest,
  TimeseriesRequest,
  TopRequest,
  type AnalyticsEventsResponse,
  type FunnelResponse,
  type MetricResponse,
  type SummaryResponse,
  type TimeseriesResponse,
  type TopResponse,
} from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';
import { AnalyticsService } from './analytics.service';

@Controller()
export class AnalyticsHandler {
  constructor(private readonly analytics: AnalyticsService) {}

  @BusHandler(AnalyticsSubjects.summary)
  summary(@Payload() request: SummaryRequest): Promise<SummaryResponse> {
    return this.analytics.summary(request);
  }

  @BusHandler(AnalyticsSubjects.timeseries)
  timeseries(@Payload() request: TimeseriesRequest): Promise<TimeseriesResponse> {
    return this.analytics.timeseries(request);
  }

  @BusHandler(AnalyticsSubjects.top)
  top(@Payload() request: TopRequest): Promise<TopResponse> {
    return this.analytics.top(request);
  }

  @BusHandler(AnalyticsSubjects.funnel)
  funnel(@Payload() request: FunnelRequest): Promise<FunnelResponse> {
    return this.analytics.funnel(request);
  }

  @BusHandler(AnalyticsSubjects.metric)
  metric(@Payload() request: MetricRequest): Promise<MetricResponse> {
    return this.analytics.metric(request);
  }

  @BusHandler(AnalyticsSubjects.events)
  events(@Payload() request: EventsRequest): Promise<AnalyticsEventsResponse> {
    return this.analytics.list(request);
  }
}
