import { Body, Controller, HttpCode, HttpStatus, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IngestResponse, METRIC_LIMITS, MetricBatchRequest } from '@northstar/contracts';
import { CurrentKey, KeyRateCost, RequireScopes } from '../api-keys/api-key.decorators';
import type { KeyAuthenticatedRequest } from '../api-keys/api-key.guard';
import type { AuthenticatedKey } from '../api-keys/key-verifier';
import { ApiAccess } from '../http/api-access.decorator';
import { ApiProblemResponses } from '../http/api-problem.decorator';
import { MetricsIntakeService } from './metrics-intake.service';

const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } } };

/** A request spends one of the key's rate limit per point it carries. */
function pointsIn(body: unknown): number {
  const metrics =
    typeof body === 'object' && body !== null ? (body as { metrics?: unknown }).metrics : undefined;
  return Array.isArray(metrics) ? Math.max(1, metrics.length) : 1;
}

// The body is taken as it comes (`unknown`): intake checks each point on its own and answers the
// invalid ones by index, where the global pipe would refuse the whole request for one of them.
@ApiTags('Metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsIntakeService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @RequireScopes('metrics:write')
  @KeyRateCost(pointsIn)
  @ApiAccess({ scopes: ['metrics:write'] })
  @ApiOperation({
    summary: 'Send custom metric points',
    description:
      'Numeric points of your own series (queue depth, job durations, balances), with a key of the project ' +
      'that has the `metrics:write` scope. Each point is checked on its own: `name` 1–128 of ' +
      '`A-Z a-z 0-9 _ . : -`, `value` a finite number, `timestamp` ISO-8601 with a zone or Unix ' +
      'milliseconds (default: now; not before 2000 nor more than 24 h ahead), at most ' +
      `${METRIC_LIMITS.maxTags} string \`tags\` (keys up to ${METRIC_LIMITS.maxTagKeyLength}, values up to ` +
      `${METRIC_LIMITS.maxTagValueLength} characters). Invalid points are listed in \`rejected\` by index; ` +
      `the others are accepted. At most ${METRIC_LIMITS.maxBatchMetrics} points and 1 MiB (BODY_LIMIT_BYTES) a ` +
      "request; each point counts toward the key's rate limit. Points with an `id` sent again (same id " +
      'and timestamp) are stored once; without one, a resend is stored again.',
  })
  @ApiBody({ type: MetricBatchRequest })
  @ApiAcceptedResponse({
    type: IngestResponse,
    description: 'Every accepted point is durably queued (JetStream acknowledged it)',
  })
  @ApiProblemResponses(400)
  @ApiResponse({
    status: 413,
    description: `More than ${METRIC_LIMITS.maxBatchMetrics} points, or a body over BODY_LIMIT_BYTES`,
    content: problem,
  })
  @ApiResponse({
    status: 503,
    description:
      'The metrics queue did not acknowledge the points, or is full while ingestion catches up: none of them ' +
      'is accepted; send them again after Retry-After seconds',
    headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
    content: problem,
  })
  ingest(
    @Body() body: unknown,
    @CurrentKey() key: AuthenticatedKey,
    @Req() request: KeyAuthenticatedRequest,
  ): Promise<IngestResponse> {
    return this.metrics.ingest(body, {
      projectId: key.projectId,
      requestId: String(request.id),
      receivedAt: new Date(),
    });
  }
}
