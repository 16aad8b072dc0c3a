import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import {
  IdentitySubjects,
  LoginResponse,
  MfaRequiredResponse,
  OidcExchangeBody,
  OidcProviderDto,
  OidcProviderParams,
  OidcStartQuery,
  type OidcCallbackQuery,
  type SignInResponse,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Client, type RequestClient } from '../auth/client-context.decorator';
import { Public } from '../auth/public.decorator';
import { GatewayConfig } from '../config';
import { ApiAccess } from '../http/api-access.decorator';
import { ApiProblemResponses } from '../http/api-problem.decorator';
import { ApiRateLimitedResponse } from './api-rate-limited.decorator';
import {
  cookieOf,
  notThisBrowser,
  oidcCallbackUrl,
  originOf,
  STATE_COOKIE,
  STATE_COOKIE_MAX_AGE_SECONDS,
  stateCookie,
  withoutTrailingSlash,
} from './oidc-browser';

const IP_LIMITED = 'Too many auth requests from this IP address (at least 100 a minute are allowed)';
const CALLBACK_FIELDS = ['code', 'state', 'iss', 'error', 'error_description'] as const;

/**
 * Single sign-on through OpenID Connect providers. The browser is sent to the provider and back; the
 * session is then handed to the console with a one-time code in its URL, which it trades by POST, so
 * no token ever sits in a URL (browser history, proxy and server logs).
 */
@ApiTags('Auth')
@ApiExtraModels(LoginResponse, MfaRequiredResponse)
@Public()
@Controller('auth/oidc')
export class OidcController {
  constructor(
    private readonly bus: BusClient,
    private readonly config: GatewayConfig,
  ) {}

  @Get('providers')
  @ApiAccess({ public: true })
  @ApiOperation({ summary: 'The configured single sign-on providers, for the sign-in page' })
  @ApiOkResponse({ type: [OidcProviderDto] })
  @ApiProblemResponses(503)
  async providers(): Promise<OidcProviderDto[]> {
    const { providers } = await this.bus.send(IdentitySubjects.oidcProviders, {});
    return providers;
  }

  @Get(':provider/start')
  @ApiAccess({ public: true })
  @ApiOperation({
    summary: 'Begin signing in with a provider: redirects the browser to it',
    description:
      'A browser navigation, not an API call. Redirects (302) to the provider with an authorisation ' +
      'code request (PKCE S256, state, nonce; kept server side for 10 minutes, usable once), and sets ' +
      'the cookie `northstar_oidc_state` (HttpOnly, SameSite=Lax) that binds the sign-in to this browser. ' +
      '`redirect` is the console path to land on afterwards. 404 for a provider that is not configured, ' +
      '503 while the provider cannot be reached.',
  })
  @ApiFoundResponse({ description: 'To the provider; `Location` is its authorisation URL' })
  @ApiProblemResponses(400, 404, 503)
  @ApiRateLimitedResponse(IP_LIMITED)
  async start(
    @Param() params: OidcProviderParams,
    @Query() query: OidcStartQuery,
    @Client() client: RequestClient,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const callbackUrl = this.callbackUrl(params.provider, request);
    const { authorizationUrl, state } = await this.bus.send(IdentitySubjects.oidcStart, {
      provider: params.provider,
      ...(query.redirect === undefined ? {} : { redirect: query.redirect }),
      callbackUrl,
      client,
    });
    await reply
      .header('cache-control', 'no-store')
      .header(
        'set-cookie',
        stateCookie(state, STATE_COOKIE_MAX_AGE_SECONDS, callbackUrl.startsWith('https:')),
      )
      .redirect(authorizationUrl, 302);
  }

  @Get(':provider/callback')
  @ApiAccess({ public: true })
  @ApiOperation({
    summary: 'Where the provider sends the browser back',
    description:
      'Checks the state, redeems the code (with the PKCE verifier), verifies the ID token (signature, ' +
      'issuer, audience, times, nonce), then redirects (302) to the console path the sign-in began ' +
      'with, adding `code`: one-time, valid 60 seconds, for POST /v1/auth/oidc/exchange. When the ' +
      'provider refused or its answer fails a check, the redirect carries `error` instead ' +
      '(`access_denied` or another OAuth error code of the provider, `invalid_response`, ' +
      '`provider_error`, `provider_unavailable`). Without a known state (missing, tampered with, ' +
      'expired or used), or in a browser without the state cookie of the start (a callback link sent by ' +
      'someone else), there is no sign-in to go back to: 400 problem naming `state`. The callback of ' +
      'a link (begun with POST /v1/me/identities/oidc/{provider}) redirects with `linked=<provider>` ' +
      'instead of `code`, or `error`: `identity_in_use` (the provider account signs in to another ' +
      'user), `session_ended` (the session that began the link ended since), or one of the above.',
  })
  @ApiQuery({ name: 'code', required: false, description: 'The authorisation code' })
  @ApiQuery({ name: 'state', required: false, description: 'The state the sign-in began with' })
  @ApiQuery({ name: 'iss', required: false, description: "The provider's issuer (RFC 9207)" })
  @ApiQuery({ name: 'error', required: false, description: "The provider's OAuth error code" })
  @ApiQuery({ name: 'error_description', required: false })
  @ApiFoundResponse({ description: 'To the console, with `code`, `linked` or `error` in the query' })
  @ApiProblemResponses(400, 503)
  @ApiRateLimitedResponse(IP_LIMITED)
  async callback(
    @Param() params: OidcProviderParams,
    @Client() client: RequestClient,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    // Read by hand: providers add parameters of their own (scope, session_state, …), which the strict
    // query validation of the other routes would refuse.
    const raw = request.query as Record<string, unknown>;
    const answer: OidcCallbackQuery = {};
    for (const field of CALLBACK_FIELDS) {
      if (typeof raw[field] === 'string') answer[field] = raw[field];
    }
    if (answer.state === undefined || cookieOf(request, STATE_COOKIE) !== answer.state)
      throw notThisBrowser();
    const result = await this.bus.send(IdentitySubjects.oidcCallback, {
      provider: params.provider,
      ...answer,
      client,
    });
    const target = new URL(result.redirect, `${this.consoleOrigin(request)}/`);
    if (result.code !== undefined) target.searchParams.set('code', result.code);
    if (result.linked !== undefined) target.searchParams.set('linked', result.linked);
    if (result.error !== undefined) target.searchParams.set('error', result.error);
    await reply
      .header('cache-control', 'no-store')
      // The console page must not pass the code on to other sites in a Referer.
      .header('referrer-policy', 'no-referrer')
      .header(
        'set-cookie',
        stateCookie('', 0, this.callbackUrl(params.provider, request).startsWith('https:')),
      )
      .redirect(target.toString(), 302);
  }

  @Post('exchange')
  @ApiAccess({ public: true })
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Trade the one-time code of a single sign-on for the login answer',
    description:
      'The same answer as POST /v1/auth/login. A code works once, within 60 seconds (400 naming ' +
      '`code` after). The first sign-in of a provider identity links it to the account of its email, ' +
      'or creates an account, only when the provider says it verified the email: otherwise 409 (an ' +
      'account has this email: sign in with the password) or 422 (no verified email), both of type ' +
      '`oidc-email-unverified`.',
  })
  @ApiOkResponse({
    description: 'The session, or the `mfaToken` when a second factor is owed (POST /v1/auth/mfa)',
    schema: { oneOf: [{ $ref: getSchemaPath(LoginResponse) }, { $ref: getSchemaPath(MfaRequiredResponse) }] },
  })
  @ApiProblemResponses(400, 409, 422, 503)
  @ApiRateLimitedResponse(IP_LIMITED)
  exchange(@Body() body: OidcExchangeBody, @Client() client: RequestClient): Promise<SignInResponse> {
    return this.bus.send(IdentitySubjects.oidcExchange, { ...body, client });
  }

  private callbackUrl(provider: string, request: FastifyRequest): string {
    return oidcCallbackUrl(this.config, provider, request);
  }

  private consoleOrigin(request: FastifyRequest): string {
    return this.config.PUBLIC_URL ? withoutTrailingSlash(this.config.PUBLIC_URL) : originOf(request);
  }
}
