import type { VerifyCode } from '@northstar/contracts';
import type { AuthenticatedKey, KeyOutcome } from './key-verifier';

export { VERIFY_CODES, type VerifyCode } from '@northstar/contracts';

/** Where the RPC proxy says the call comes from and goes to. */
export interface VerifyContext {
  chain?: string;
  origin?: string;
  ip?: string;
}

/**
 * The first refusal that costs nothing to find, in this order: the key itself (unknown, revoked,
 * expired), its `rpc` scope, then where it is used (chain, origin, address). Only a key that passes
 * all of them goes on to the checks that spend (rate limit, then credits): a call the key may not make
 * at all must neither use up its rate limit nor its credits. null: none of them refuses.
 *
 * A key with an allowlist refuses a call that does not say the matching detail, as the gateway's own
 * routes do for a request without `Origin`: a proxy that forgets to pass it must not open the key.
 */
export function freeRefusal(outcome: KeyOutcome, context: VerifyContext): VerifyCode | null {
  if (!outcome.ok) {
    switch (outcome.refusal) {
      case 'revoked':
        return 'REVOKED';
      case 'expired':
        return 'EXPIRED';
      default:
        return 'NOT_FOUND';
    }
  }
  return placeRefusal(outcome.key, context);
}

function placeRefusal(key: AuthenticatedKey, context: VerifyContext): VerifyCode | null {
  if (!key.scopes.includes('rpc')) return 'SCOPE_MISSING';
  const { chains, origins, ips } = key.rules;
  if (chains && (context.chain === undefined || !chains.slugs.has(context.chain))) return 'CHAIN_NOT_ALLOWED';
  if (origins && (context.origin === undefined || !origins.allows(context.origin)))
    return 'ORIGIN_NOT_ALLOWED';
  if (ips && (context.ip === undefined || !ips.allows(context.ip))) return 'IP_NOT_ALLOWED';
  return null;
}
