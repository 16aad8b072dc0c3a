import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { DashboardRange, INSIGHT_KINDS, type InsightKind } from '@northstar/contracts';
import { ProblemDto } from '../http/api-problem.decorator';

// The OpenAPI shapes of the dashboards' answers that the gateway makes (per-item problems, the share URL).

const DATA_DESCRIPTION =
  "The answer of the insight's analytics route: SummaryResponse, TimeseriesResponse, TopResponse or FunnelResponse";

/** One insight's failure: the problem its route would answer, without the request's id. */
export class ItemProblemDto extends OmitType(ProblemDto, ['requestId', 'limit'] as const) {}

export class DashboardDataItemDto {
  @ApiProperty({ format: 'uuid' }) insightId!: string;
  @ApiPropertyOptional({ enum: INSIGHT_KINDS, description: 'Absent when the insight is gone' })
  kind?: InsightKind;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: DATA_DESCRIPTION })
  data?: unknown;
  @ApiPropertyOptional({ type: ItemProblemDto, description: 'Instead of data, when this insight failed' })
  error?: ItemProblemDto;
}

export class DashboardDataDto {
  @ApiProperty({ type: [DashboardDataItemDto], description: 'By position' }) items!: DashboardDataItemDto[];
}

export class SharedDashboardItemDto {
  @ApiProperty() position!: number;
  @ApiProperty({ description: "The insight's name" }) name!: string;
  @ApiProperty({ enum: INSIGHT_KINDS }) kind!: InsightKind;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: DATA_DESCRIPTION })
  data?: unknown;
  @ApiPropertyOptional({ type: ItemProblemDto }) error?: ItemProblemDto;
}

export class SharedDashboardDto {
  @ApiProperty() name!: string;
  @ApiProperty({ type: DashboardRange, nullable: true }) range!: DashboardRange | null;
  @ApiProperty({ type: String, nullable: true }) timezone!: string | null;
  @ApiProperty({ type: [SharedDashboardItemDto] }) items!: SharedDashboardItemDto[];
}

export class ShareLinkDto {
  @ApiProperty({ example: 'nsd_…', description: 'Shown this once: only its hash is kept' }) token!: string;
  @ApiProperty({ example: 'https://api.example.com/v1/shared/dashboards/nsd_…' }) url!: string;
}
