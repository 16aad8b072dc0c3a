import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  IdentityIdParams,
  IdentitySubjects,
  LinkedIdentityListResponse,
  OIDC_LINK_DEFAULT_REDIRECT,
  OidcLinkBody,
  OidcLinkResponse,
  OidcProviderParams,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { principalOf, type AuthUser } from '../auth/auth-user';
import { Client, type RequestClient } from '../auth/client-context.decorator';
import { CurrentUser } from '../auth/current-user.decorator';
import { GatewayConfig } from '../config';
import { ApiAccess } from '../http/api-access.decorator';
import { ApiProblemResponses } from '../http/api-problem.decorator';
import { ApiRateLimitedResponse } from './api-rate-limited.decorator';
import { oidcCallbackUrl, STATE_COOKIE_MAX_AGE_SECONDS, stateCookie } from './oidc-browser';

/** The single sign-on identities linked to the signed-in user. */
@ApiTags('Account')
@ApiBearerAuth('user')
@Controller('me/identities')
export class MeIdentitiesController {
  constructor(
    private readonly bus: BusClient,
    private readonly config: GatewayConfig,
  ) {}

  @Get()
  @ApiAccess({ role: 'user' })
  @ApiOperation({
    summary: 'The provider identities the user can sign in with, oldest first',
    description: '`hasPassword` says whether the account also has a password.',
  })
  @ApiOkResponse({ type: LinkedIdentityListResponse })
  @ApiProblemResponses(401, 503)
  list(@CurrentUser() user: AuthUser): Promise<LinkedIdentityListResponse> {
    return this.bus.send(IdentitySubjects.listIdentities, { principal: principalOf(user) });
  }

  @Post('oidc/:provider')
  @ApiAccess({ role: 'user' })
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Begin linking a provider to the account',
    description:
      "Answers the provider's authorisation URL, for the console to navigate the browser to, and sets " +
      'the cookie `northstar_oidc_state` (HttpOnly, SameSite=Lax, path `/v1/auth/oidc`) as the ' +
      "sign-in's start does (the console's request must keep cookies: same origin, or " +
      "`credentials: 'include'`). The provider sends the browser back to " +
      'GET /v1/auth/oidc/{provider}/callback, which links the identity to this user (no verified ' +
      'email needed: the session proved the account) and redirects (302) to the console path ' +
      `\`redirect\` (default \`${OIDC_LINK_DEFAULT_REDIRECT}\`) with \`linked=<provider>\`, or with ` +
      '`error=identity_in_use` when that provider account already signs in to another user, or ' +
      '`error=session_ended` when this session ended in between. Linking an identity already linked ' +
      'to this user changes nothing. 404 for a provider that is not configured.',
  })
  @ApiOkResponse({ type: OidcLinkResponse })
  @ApiProblemResponses(400, 401, 404, 503)
  @ApiRateLimitedResponse('Too many auth requests from this IP address (at least 100 a minute are allowed)')
  async link(
    @CurrentUser() user: AuthUser,
    @Param() params: OidcProviderParams,
    @Body() body: OidcLinkBody,
    @Client() client: RequestClient,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OidcLinkResponse> {
    const callbackUrl = oidcCallbackUrl(this.config, params.provider, request);
    const { authorizationUrl, state } = await this.bus.send(IdentitySubjects.oidcLink, {
      principal: principalOf(user),
      provider: params.provider,
      ...(body.redirect === undefined ? {} : { redirect: body.redirect }),
      callbackUrl,
      client,
    });
    void reply
      .header('cache-control', 'no-store')
      .header(
        'set-cookie',
        stateCookie(state, STATE_COOKIE_MAX_AGE_SECONDS, callbackUrl.startsWith('https:')),
      );
    return { authorizationUrl };
  }

  @Delete(':id')
  @ApiAccess({ role: 'user' })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Unlink a provider identity',
    description:
      'It no longer signs in to this account (signing in with it again would link it again, by its ' +
      'verified email). 409 when it is the last way in: no password and no other identity. ' +
      "Another user's identity is 404.",
  })
  @ApiNoContentResponse({ description: 'The identity is unlinked' })
  @ApiProblemResponses(400, 401, 404, 409, 503)
  async unlink(@CurrentUser() user: AuthUser, @Param() params: IdentityIdParams): Promise<void> {
    await this.bus.send(IdentitySubjects.unlinkIdentity, {
      principal: principalOf(user),
      identityId: params.id,
    });
  }
}
