import { Injectable, Logger } from '@nestjs/common';
import { BusErrorCode, DomainException, type OidcProviderDto } from '@northstar/contracts';
import { custom, Issuer, type Client } from 'openid-client';
import { IdentityConfig } from '../config';
import { parseOidcProviders, type OidcProviderSettings } from './oidc-settings';

/** Each call to a provider (discovery, JWKS, token, userinfo) must fit in a bus request's time. */
const PROVIDER_TIMEOUT_MS = 3000;
/** Leeway for the clocks of the provider and of this host in the ID token's times. */
const CLOCK_TOLERANCE_SECONDS = 10;

export interface OidcProvider {
  settings: OidcProviderSettings;
  client: Client;
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/**
 * The configured providers, each with an openid-client Client built from its discovery document.
 * Discovery happens on first use rather than at start, so that a provider being down does not keep
 * identity (and password logins) from starting; a failed discovery is retried on the next sign-in.
 */
@Injectable()
export class OidcClients {
  private readonly logger = new Logger(OidcClients.name);
  private readonly settings: OidcProviderSettings[];
  private readonly discovered = new Map<string, Promise<OidcProvider>>();

  constructor(config: IdentityConfig) {
    const parsed = parseOidcProviders(config.OIDC_PROVIDERS, config.OIDC_CLIENT_SECRETS);
    // The config class validated it already; this only narrows the type.
    if ('problem' in parsed) throw new Error(parsed.problem);
    this.settings = parsed.providers;
    custom.setHttpOptionsDefaults({ timeout: PROVIDER_TIMEOUT_MS });
  }

  list(): OidcProviderDto[] {
    return this.settings.map(({ id, name }) => ({ id, name }));
  }

  settingsOf(id: string): OidcProviderSettings | undefined {
    return this.settings.find((provider) => provider.id === id);
  }

  /** The provider's client; 404 for an id that is not configured, 503 while it cannot be discovered. */
  async get(id: string): Promise<OidcProvider> {
    const settings = this.settingsOf(id);
    if (!settings) throw DomainException.notFound('Sign-in provider');
    let pending = this.discovered.get(id);
    if (!pending) {
      pending = this.discover(settings);
      this.discovered.set(id, pending);
      pending.catch(() => this.discovered.delete(id));
    }
    try {
      return await pending;
    } catch (error) {
      this.logger.warn(`Discovery of the OIDC provider ${id} failed: ${String(error)}`);
      throw new DomainException(
        BusErrorCode.Unavailable,
        `The sign-in provider ${settings.name} cannot be reached; try again later`,
        { retryAfterSeconds: 10 },
      );
    }
  }

  private async discover(settings: OidcProviderSettings): Promise<OidcProvider> {
    const issuer = await Issuer.discover(settings.issuer);
    // A discovery document naming another issuer would have us accept that issuer's ID tokens.
    if (withoutTrailingSlash(String(issuer.metadata.issuer)) !== withoutTrailingSlash(settings.issuer)) {
      throw new Error(`its discovery document names the issuer ${String(issuer.metadata.issuer)}`);
    }
    const client = new issuer.Client({
      client_id: settings.clientId,
      ...(settings.clientSecret
        ? { client_secret: settings.clientSecret, token_endpoint_auth_method: 'client_secret_basic' }
        : { token_endpoint_auth_method: 'none' }),
      response_types: ['code'],
    });
    client[custom.clock_tolerance] = CLOCK_TOLERANCE_SECONDS;
    return { settings, client };
  }
}
