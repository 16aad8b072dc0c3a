import { BusErrorCode, DomainException } from '@northstar/contracts';

/** The refusal of an organisation that requires two-factor sign-in, to a member without it. */
export function mfaRequired(
  message = 'This organisation requires two-factor sign-in: turn it on at POST /v1/me/mfa/totp, then sign in again',
): DomainException {
  return new DomainException(BusErrorCode.Forbidden, message, { problem: 'mfa-required' });
}
