import { Controller, Get, Res, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { MetricsService, ReadinessService } from '@northstar/observability';

/** Liveness, readiness and Prometheus metrics, for orchestrators and scrapers (not under /v1). */
// Public on the gateway, whose guard requires a user elsewhere. The key is the gateway's IS_PUBLIC,
// spelled out because a shared lib cannot import an app; so is the gateway's OpenAPI extension saying
// who may call a route (its ApiAccess), which the tenancy matrix reads.
@SetMetadata('northstar:public', true)
@ApiExtension('x-northstar-access', { public: true })
@Controller()
export class OpsController {
  constructor(
    private readonly readiness: ReadinessService,
    private readonly metrics: MetricsService,
  ) {}

  @Get('health')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const report = await this.readiness.report();
    await reply.status(report.status === 'ready' ? 200 : 503).send(report);
  }

  @Get('metrics')
  async metricsText(@Res() reply: FastifyReply): Promise<void> {
    const body = await this.metrics.registry.metrics();
    await reply.header('content-type', this.metrics.registry.contentType).send(body);
  }
}
