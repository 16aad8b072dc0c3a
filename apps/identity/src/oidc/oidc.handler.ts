import { Controller } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Payload } from '@nestjs/microservices';
import {
  IdentitySubjects,
  ListIdentitiesRequest,
  OidcCallbackRequest,
  OidcExchangeRequest,
  OidcLinkRequest,
  OidcProvidersRequest,
  OidcStartRequest,
  UnlinkIdentityRequest,
  type DoneResponse,
  type LinkedIdentityListResponse,
  type SignInResponse,
  type OidcCallbackResponse,
  type OidcProvidersResponse,
  type OidcStartResponse,
} from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';
import { OidcService } from './oidc.service';

@Controller()
export class OidcHandler {
  constructor(
    private readonly oidc: OidcService,
    // Read by @CreateRequestContext: each message gets its own EntityManager.
    readonly orm: MikroORM,
  ) {}

  @BusHandler(IdentitySubjects.oidcProviders)
  providers(@Payload() _request: OidcProvidersRequest): OidcProvidersResponse {
    return this.oidc.providers();
  }

  @BusHandler(IdentitySubjects.oidcStart)
  start(@Payload() request: OidcStartRequest): Promise<OidcStartResponse> {
    return this.oidc.start(request);
  }

  @BusHandler(IdentitySubjects.oidcLink)
  @CreateRequestContext()
  link(@Payload() request: OidcLinkRequest): Promise<OidcStartResponse> {
    return this.oidc.link(request);
  }

  @BusHandler(IdentitySubjects.oidcCallback)
  @CreateRequestContext()
  callback(@Payload() request: OidcCallbackRequest): Promise<OidcCallbackResponse> {
    return this.oidc.callback(request);
  }

  @BusHandler(IdentitySubjects.oidcExchange)
  @CreateRequestContext()
  exchange(@Payload() request: OidcExchangeRequest): Promise<SignInResponse> {
    return this.oidc.exchange(request);
  }

  @BusHandler(IdentitySubjects.listIdentities)
  @CreateRequestContext()
  list(@Payload() request: ListIdentitiesRequest): Promise<LinkedIdentityListResponse> {
    return this.oidc.list(request.principal);
  }

  @BusHandler(IdentitySubjects.unlinkIdentity)
  @CreateRequestContext()
  async unlink(@Payload() request: UnlinkIdentityRequest): Promise<DoneResponse> {
    await this.oidc.unlink(request);
    return { done: true };
  }
}
