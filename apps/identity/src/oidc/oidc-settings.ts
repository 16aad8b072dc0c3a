import { OIDC_PROVIDER_ID_PATTERN } from '@northstar/contracts';

/** One single sign-on provider, as the operator configured it (OIDC_PROVIDERS + OIDC_CLIENT_SECRETS). */
export interface OidcProviderSettings {
  /** In URLs (`/v1/auth/oidc/<id>/start`) and in the sign-in method `oidc:<id>`. */
  id: string;
  /** Shown on the console's sign-in buttons. */
  name: string;
  /** Its issuer: discovery reads `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  /** Absent for a public client (PKCE alone, `token_endpoint_auth_method: none`). */
  clientSecret?: string;
  scopes: string;
  /** Whether an ID token whose `amr` claims MFA counts as this platform's second factor. */
  trustMfa: boolean;
}

const DEFAULT_SCOPES = 'openid email profile';

type Parsed = { providers: OidcProviderSettings[] } | { problem: string };

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.search && !url.hash;
  } catch {
    return false;
  }
}

function parseJson(raw: string, what: string): { value: unknown } | { problem: string } {
  if (raw.trim() === '') return { value: undefined };
  try {
    return { value: JSON.parse(raw) as unknown };
  } catch {
    return { problem: `${what} must be JSON` };
  }
}

/**
 * Reads the two variables into provider settings, or says what is wrong with them. The secrets live
 * in their own variable so that the provider list can sit in plain configuration while the secrets
 * come from the secret store.
 */
export function parseOidcProviders(providersJson: string, secretsJson: string): Parsed {
  const providers = parseJson(providersJson, 'OIDC_PROVIDERS');
  if ('problem' in providers) return providers;
  const secrets = parseJson(secretsJson, 'OIDC_CLIENT_SECRETS');
  if ('problem' in secrets) return secrets;
  const list = providers.value ?? [];
  const secretMap = secrets.value ?? {};
  if (!Array.isArray(list)) return { problem: 'OIDC_PROVIDERS must be a JSON array of providers' };
  if (typeof secretMap !== 'object' || secretMap === null || Array.isArray(secretMap))
    return { problem: 'OIDC_CLIENT_SECRETS must be a JSON object of provider id → client secret' };
  const secretOf = secretMap as Record<string, unknown>;

  const result: OidcProviderSettings[] = [];
  for (const [index, entry] of list.entries()) {
    const at = `OIDC_PROVIDERS[${index}]`;
    if (typeof entry !== 'object' || entry === null) return { problem: `${at} must be an object` };
    const e = entry as Record<string, unknown>;
    if (typeof e['id'] !== 'string' || !OIDC_PROVIDER_ID_PATTERN.test(e['id']))
      return { problem: `${at}.id must be 1 to 32 lower-case letters, digits or dashes` };
    const id = e['id'];
    if (result.some((provider) => provider.id === id)) return { problem: `${at}.id "${id}" is used twice` };
    if (typeof e['name'] !== 'string' || e['name'].trim() === '' || e['name'].length > 64)
      return { problem: `${at}.name must be a display name of 1 to 64 characters` };
    if (!isHttpUrl(e['issuer'])) return { problem: `${at}.issuer must be an http(s) URL` };
    if (typeof e['clientId'] !== 'string' || e['clientId'] === '')
      return { problem: `${at}.clientId must be a non-empty string` };
    if (
      e['scopes'] !== undefined &&
      (typeof e['scopes'] !== 'string' || !e['scopes'].split(' ').includes('openid'))
    )
      return { problem: `${at}.scopes must be a space-separated string including openid` };
    if (e['trustMfa'] !== undefined && typeof e['trustMfa'] !== 'boolean')
      return { problem: `${at}.trustMfa must be true or false` };
    if ('clientSecret' in e)
      return { problem: `${at}.clientSecret: client secrets go in OIDC_CLIENT_SECRETS, by provider id` };
    const secret = secretOf[id];
    if (secret !== undefined && (typeof secret !== 'string' || secret === ''))
      return { problem: `OIDC_CLIENT_SECRETS.${id} must be a non-empty string` };
    result.push({
      id,
      name: e['name'],
      issuer: e['issuer'],
      clientId: e['clientId'],
      ...(secret === undefined ? {} : { clientSecret: secret }),
      scopes: (e['scopes'] as string | undefined) ?? DEFAULT_SCOPES,
      trustMfa: e['trustMfa'] === true,
    });
  }
  const unknown = Object.keys(secretOf).filter((id) => !result.some((provider) => provider.id === id));
  if (unknown.length > 0)
    return { problem: `OIDC_CLIENT_SECRETS names providers OIDC_PROVIDERS does not: ${unknown.join(', ')}` };
  return { providers: result };
}
