import { BusErrorCode, DomainException, type Actor } from '@northstar/contracts';

/** An organisation's two-factor rules, as the access checks need them. */
export interface MfaRules {
  requireMfa: boolean;
  /** Provider ids whose own MFA the organisation takes for two factors. */
  trustedMfaProviders: readonly string[];
}

const PROVIDER_PREFIX = 'oidc:';

/**
 * Whether the actor's sign-in meets the organisation's rules: nothing required, or our second factor
 * (`mfa`), or a session signed in through a provider the organisation trusts (`mfaVia`).
 */
export function meetsMfaRules(actor: Actor, rules: MfaRules): boolean {
  if (!rules.requireMfa || actor.mfa === true) return true;
  const via = actor.mfaVia;
  return (
    via !== undefined &&
    via.startsWith(PROVIDER_PREFIX) &&
    rules.trustedMfaProviders.includes(via.slice(PROVIDER_PREFIX.length))
  );
}

/** The refusal of an organisation that requires two-factor sign-in, to a member without it. */
export function mfaRequired(
  message = 'This organisation requires two-factor sign-in: turn it on at POST /v1/me/mfa/totp, then sign in again',
): DomainException {
  return new DomainException(BusErrorCode.Forbidden, message, { problem: 'mfa-required' });
}
