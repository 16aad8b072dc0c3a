import { Sealer } from '@northstar/sealing';

/** Seals authenticator secrets at rest, keyed from MFA_SECRETS_KEY (identity alone holds it). */
export class TotpSecretSealer extends Sealer {
  constructor(secret: string) {
    super(secret, 'authenticator (TOTP) secrets');
  }
}
