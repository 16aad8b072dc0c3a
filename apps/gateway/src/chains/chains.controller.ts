import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  ChainAuditPage,
  ChainAuditQuery,
  ChainDto,
  ChainInput,
  ChainListResponse,
  ChainPatch,
  ChainSlugParams,
  ChainsSubjects,
  ListChainsRequest,
  type ChainActor,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { actorOf, type AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { Public } from '../auth/public.decorator';
import { ApiProblemResponses } from '../http/api-problem.decorator';
import { ApiAccess } from '../http/api-access.decorator';

const ADMIN_ONLY = 'Platform admins only (a verified email of NORTHSTAR_ADMIN_EMAILS); other users get 403.';

// The email goes along for the audit log: it names the admin even after the account is gone.
const chainActorOf = (user: AuthUser): ChainActor => ({ ...actorOf(user), email: user.email });

@ApiTags('Chains')
@Controller('chains')
export class ChainsController {
  constructor(private readonly bus: BusClient) {}

  @Get()
  @ApiAccess({ public: true })
  @Public()
  @ApiOperation({ summary: 'The chain catalog; public, no credentials needed' })
  @ApiOkResponse({ type: ChainListResponse })
  @ApiProblemResponses(400, 503)
  list(@Query() query: ListChainsRequest): Promise<ChainListResponse> {
    return this.bus.send(ChainsSubjects.list, query);
  }

  // Declared before `:slug`, and `audit` is a reserved slug, so it never shadows a chain.
  @Get('audit')
  @ApiAccess({ role: 'platform-admin' })
  @ApiBearerAuth('user')
  @ApiOperation({
    summary: 'The audit log of catalog changes, newest first',
    description: `Who changed which chain when, with the chain before and after. ${ADMIN_ONLY}`,
  })
  @ApiOkResponse({ type: ChainAuditPage })
  @ApiProblemResponses(400, 401, 403, 503)
  audit(@CurrentUser() user: AuthUser, @Query() query: ChainAuditQuery): Promise<ChainAuditPage> {
    return this.bus.send(ChainsSubjects.audit, { ...query, actor: actorOf(user) });
  }

  @Get(':slug')
  @ApiAccess({ public: true })
  @Public()
  @ApiOperation({ summary: 'One chain of the catalog' })
  @ApiOkResponse({ type: ChainDto })
  @ApiProblemResponses(400, 404, 503)
  get(@Param() params: ChainSlugParams): Promise<ChainDto> {
    return this.bus.send(ChainsSubjects.get, { slug: params.slug });
  }

  // The chains service checks the actor's role itself; the gateway only says who is asking.
  @Post()
  @ApiAccess({ role: 'platform-admin' })
  @ApiBearerAuth('user')
  @ApiOperation({ summary: 'Add a chain to the catalog', description: ADMIN_ONLY })
  @ApiCreatedResponse({ type: ChainDto })
  @ApiProblemResponses(400, 401, 403, 409, 503)
  create(@CurrentUser() user: AuthUser, @Body() chain: ChainInput): Promise<ChainDto> {
    return this.bus.send(ChainsSubjects.create, { actor: chainActorOf(user), chain });
  }

  @Patch(':slug')
  @ApiAccess({ role: 'platform-admin' })
  @ApiBearerAuth('user')
  @ApiOperation({ summary: 'Change a chain of the catalog', description: ADMIN_ONLY })
  @ApiOkResponse({ type: ChainDto })
  @ApiProblemResponses(400, 401, 403, 404, 409, 503)
  update(
    @CurrentUser() user: AuthUser,
    @Param() params: ChainSlugParams,
    @Body() patch: ChainPatch,
  ): Promise<ChainDto> {
    return this.bus.send(ChainsSubjects.update, { slug: params.slug, actor: chainActorOf(user), patch });
  }

  @Delete(':slug')
  @ApiAccess({ role: 'platform-admin' })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerAuth('user')
  @ApiOperation({ summary: 'Remove a chain from the catalog', description: ADMIN_ONLY })
  @ApiNoContentResponse({ description: 'The chain is removed' })
  @ApiProblemResponses(400, 401, 403, 404, 503)
  async remove(@CurrentUser() user: AuthUser, @Param() params: ChainSlugParams): Promise<void> {
    await this.bus.send(ChainsSubjects.delete, { slug: params.slug, actor: chainActorOf(user) });
  }
}
