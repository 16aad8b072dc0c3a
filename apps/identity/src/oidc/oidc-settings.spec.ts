import { ConfigError, loadConfig } from '@northstar/config';
import { IdentityConfig } from '../config';
import { parseOidcProviders } from './oidc-settings';

const google = { id: 'google', name: 'Google', issuer: 'https://accounts.google.com', clientId: 'abc' };

describe('parseOidcProviders', () => {
  it('reads no provider from empty variables', () => {
    expect(parseOidcProviders('', '')).toEqual({ providers: [] });
  });

  it('reads providers with their defaults, and their secrets by id', () => {
    const corp = { ...google, id: 'corp', name: 'Corp', scopes: 'openid email', trustMfa: true };
    expect(parseOidcProviders(JSON.stringify([google, corp]), '{"google":"s3cret"}')).toEqual({
      providers: [
        { ...google, clientSecret: 's3cret', scopes: 'openid email profile', trustMfa: false },
        { ...corp },
      ],
    });
  });

  it.each([
    ['not JSON', '[', '', /must be JSON/],
    ['an object', JSON.stringify(google), '', /JSON array/],
    ['a bad id', JSON.stringify([{ ...google, id: 'Google!' }]), '', /\.id/],
    ['an id used twice', JSON.stringify([google, google]), '', /used twice/],
    ['a bad issuer', JSON.stringify([{ ...google, issuer: 'accounts.google.com' }]), '', /issuer/],
    ['scopes without openid', JSON.stringify([{ ...google, scopes: 'email' }]), '', /openid/],
    ['a secret in the list', JSON.stringify([{ ...google, clientSecret: 'x' }]), '', /OIDC_CLIENT_SECRETS/],
    ['a secret of no provider', JSON.stringify([google]), '{"gitlab":"x"}', /gitlab/],
  ])('refuses %s', (_what, providers, secrets, problem) => {
    const parsed = parseOidcProviders(providers, secrets);
    expect('problem' in parsed && parsed.problem).toMatch(problem);
  });

  it('stops identity at start with a malformed list, without printing the secrets', () => {
    const load = () =>
      loadConfig(IdentityConfig, {
        OIDC_PROVIDERS: JSON.stringify([{ ...google, issuer: 'nope' }]),
        OIDC_CLIENT_SECRETS: '{"google":"do-not-print-me"}',
      });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/OIDC_PROVIDERS: .*issuer/);
    expect(load).not.toThrow(/do-not-print-me/);
  });
});
