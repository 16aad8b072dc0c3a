import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
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
  ApiKeyDto,
  ApiKeyListResponse,
  CreatedApiKeyDto,
  CreateKeyBody,
  KeyEndpointDto,
  KeyIdParams,
  KeysSubjects,
  PageQuery,
  ProjectKeysParams,
  RotatedApiKeyDto,
  RotateKeyBody,
  UpdateKeyBody,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { actorOf, type AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiProblemResponses } from '../http/api-problem.decorator';
import { ApiAccess } from '../http/api-access.decorator';

const SHOWN_ONCE =
  '`key` is the API key itself, returned in this answer only: Northstar stores nothing but its SHA-256, ' +
  'so save it now. Later answers show only `prefix` (its first 12 characters) to recognise it.';

@ApiTags('Keys')
@ApiBearerAuth('user')
@Controller()
export class KeysController {
  constructor(private readonly bus: BusClient) {}

  @Post('projects/:projectId/keys')
  @ApiAccess({ role: 'admin' })
  // The answer holds a secret: no cache anywhere may keep it.
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Issue an API key for the project (admin)',
    description:
      `${SHOWN_ONCE}\n\nKeys look like \`nsk_live_<32 base62 characters>\` (\`nsk_test_…\` outside ` +
      'production) and carry about 190 random bits. Scopes: `events:write` (ingestion), `analytics:read` ' +
      '(the query API), `rpc` (RPC endpoints), `metrics:write` (custom metrics, POST /v1/metrics). `expiresAt` must be in the future; `rateLimit` applies ' +
      'across every gateway. `allowedOrigins`, `allowedIps` and `allowedChains` bind the key to where it ' +
      'may be used (absent or empty: anywhere); requests from elsewhere get 403 `key-origin-not-allowed`, ' +
      '`key-ip-not-allowed` or `key-chain-not-allowed`. A chain slug the catalog does not have is 400.',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiProblemResponses(400, 401, 403, 404, 503)
  create(
    @CurrentUser() user: AuthUser,
    @Param() params: ProjectKeysParams,
    @Body() body: CreateKeyBody,
  ): Promise<CreatedApiKeyDto> {
    return this.bus.send(KeysSubjects.create, { ...body, projectId: params.projectId, actor: actorOf(user) });
  }

  @Get('projects/:projectId/keys')
  @ApiAccess({ role: 'viewer' })
  @ApiOperation({
    summary: "The project's API keys, newest first, revoked ones included (viewer and up)",
    description: 'Never the keys themselves. `lastUsedAt` is recorded in batches and may lag by a minute.',
  })
  @ApiOkResponse({ type: ApiKeyListResponse })
  @ApiProblemResponses(400, 401, 404, 503)
  list(
    @CurrentUser() user: AuthUser,
    @Param() params: ProjectKeysParams,
    @Query() query: PageQuery,
  ): Promise<ApiKeyListResponse> {
    return this.bus.send(KeysSubjects.list, { ...query, projectId: params.projectId, actor: actorOf(user) });
  }

  @Get('keys/:keyId')
  @ApiAccess({ role: 'viewer' })
  @ApiOperation({ summary: 'One API key, without the key itself (viewer and up)' })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiProblemResponses(400, 401, 404, 503)
  get(@CurrentUser() user: AuthUser, @Param() params: KeyIdParams): Promise<ApiKeyDto> {
    return this.bus.send(KeysSubjects.get, { keyId: params.keyId, actor: actorOf(user) });
  }

  @Patch('keys/:keyId')
  @ApiAccess({ role: 'admin' })
  @ApiOperation({
    summary: "Change a key's name, scopes, rate limit, expiry or allowlists (admin)",
    description:
      'Absent fields stay as they are; `rateLimit: null` and `expiresAt: null` remove them. A list of ' +
      '`allowedOrigins`, `allowedIps` or `allowedChains` replaces the current one; `null` or `[]` removes ' +
      'the restriction. Changes apply on every gateway within 2 seconds. A revoked key cannot change (409).',
  })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiProblemResponses(400, 401, 403, 404, 409, 503)
  update(
    @CurrentUser() user: AuthUser,
    @Param() params: KeyIdParams,
    @Body() body: UpdateKeyBody,
  ): Promise<ApiKeyDto> {
    return this.bus.send(KeysSubjects.update, { ...body, keyId: params.keyId, actor: actorOf(user) });
  }

  @Post('keys/:keyId/rotate')
  @ApiAccess({ role: 'admin' })
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Rotate a key: a new secret, the previous one valid for a grace period (admin)',
    description:
      `${SHOWN_ONCE}\n\nThe key keeps its id, name, scopes, limit and expiry. The previous key works ` +
      'until `previousKeyExpiresAt`: `gracePeriodSeconds` after the rotation (default 0: it stops at ' +
      'once). A revoked key cannot be rotated (409).',
  })
  @ApiCreatedResponse({ type: RotatedApiKeyDto })
  @ApiProblemResponses(400, 401, 403, 404, 409, 503)
  rotate(
    @CurrentUser() user: AuthUser,
    @Param() params: KeyIdParams,
    @Body() body: RotateKeyBody,
  ): Promise<RotatedApiKeyDto> {
    return this.bus.send(KeysSubjects.rotate, { ...body, keyId: params.keyId, actor: actorOf(user) });
  }

  @Delete('keys/:keyId')
  @ApiAccess({ role: 'admin' })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Revoke a key (admin)',
    description:
      'The key, and a previous key still in its rotation grace period, stop working on every gateway ' +
      'within 2 seconds. Revoking a revoked key answers 204 again. The key stays listed, with `revokedAt`.',
  })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiProblemResponses(400, 401, 403, 404, 503)
  async revoke(@CurrentUser() user: AuthUser, @Param() params: KeyIdParams): Promise<void> {
    await this.bus.send(KeysSubjects.revoke, { keyId: params.keyId, actor: actorOf(user) });
  }

  @Get('keys/:keyId/endpoints')
  @ApiAccess({ role: 'viewer' })
  @ApiOperation({
    summary:
      "The key's RPC endpoints: one per active chain of the catalog, or of its allowedChains (viewer and up)",
    description:
      "Each URL is built from the chain's templates and keeps the `{key}` placeholder where the key goes: " +
      'Northstar stores only a hash of each key and cannot write it into the URL for you. Replace ' +
      "`{key}` with the key saved at creation or rotation (the one whose first characters are the key's " +
      '`prefix`). Like any URL with a credential in it, treat the filled URL as a secret. A key without ' +
      'the `rpc` scope, or a revoked key, has no endpoints (422).',
  })
  @ApiOkResponse({ type: [KeyEndpointDto] })
  @ApiProblemResponses(400, 401, 404, 422, 503)
  endpoints(@CurrentUser() user: AuthUser, @Param() params: KeyIdParams): Promise<KeyEndpointDto[]> {
    return this.bus.send(KeysSubjects.endpoints, { keyId: params.keyId, actor: actorOf(user) });
  }
}
