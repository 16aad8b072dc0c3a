import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ChainDto,
  ChainListResponse,
  ChainSlugParams,
  ChainsSubjects,
  ListChainsRequest,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { ApiProblemResponses } from '../http/api-problem.decorator';

@ApiTags('Chains')
@Controller('chains')
export class ChainsController {
  constructor(private readonly bus: BusClient) {}

  @Get()
  @ApiOperation({ summary: 'The chain catalog; public, no credentials needed' })
  @ApiOkResponse({ type: ChainListResponse })
  @ApiProblemResponses(400, 503)
  list(@Query() query: ListChainsRequest): Promise<ChainListResponse> {
    return this.bus.send(ChainsSubjects.list, query);
  }

  @Get(':slug')
  @ApiOperation({ summary: 'One chain of the catalog' })
  @ApiOkResponse({ type: ChainDto })
  @ApiProblemResponses(400, 404, 503)
  get(@Param() params: ChainSlugParams): Promise<ChainDto> {
    return this.bus.send(ChainsSubjects.get, { slug: params.slug });
  }
}
