import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  AnalyticsSubjects,
  MetricNamesRequest,
  MetricSeriesRequest,
  type MetricNamesResponse,
  type MetricSeriesResponse,
} from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';
import { MetricSeriesQuery } from './metric-series.query';

@Controller()
export class MetricsHandler {
  constructor(private readonly metrics: MetricSeriesQuery) {}

  @BusHandler(AnalyticsSubjects.metricNames)
  names(@Payload() request: MetricNamesRequest): Promise<MetricNamesResponse> {
    return this.metrics.names(request);
  }

  @BusHandler(AnalyticsSubjects.metricSeries)
  series(@Payload() request: MetricSeriesRequest): Promise<MetricSeriesResponse> {
    return this.metrics.seriesFor(request);
  }
}
