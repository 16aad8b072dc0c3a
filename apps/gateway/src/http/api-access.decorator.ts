import { ApiExtension } from '@nestjs/swagger';
import type { KeyScope, OrgRole } from '@northstar/contracts';

/** The OpenAPI extension, on every operation, saying who may call it. */
export const ACCESS_EXTENSION = 'x-northstar-access';

/**
 * Who may call a route, as its OpenAPI operation documents it under `x-northstar-access`:
 * - `public`: anyone, without credentials;
 * - `role`: with a user's access token: `user` is any signed-in user (the route's objects, if any,
 *   are the caller's own), `platform-admin` a platform admin, an organisation role the least role in
 *   the organisation that owns the route's object (below it 403; a non-member gets 404);
 * - `scopes`: with an API key of the object's project holding every one of these scopes (403 for a key
 *   without them); `[]` takes any key. Absent: API keys are refused (401);
 * - `service`: a service token of the operator's infrastructure, not a user or a key: `rpc-proxy` is one
 *   of the gateway's VERIFY_TOKENS (POST /v1/keys/verify). Every user and key gets 401 there.
 *
 * The tenancy matrix (apps/gateway/test/tenancy-matrix.e2e-spec.ts) checks every route against it and
 * fails for a route without it.
 */
export interface ApiAccessSpec {
  public?: true;
  role?: OrgRole | 'user' | 'platform-admin';
  scopes?: KeyScope[];
  service?: 'rpc-proxy';
}

/** Documents who may call the route (see ApiAccessSpec); the guards and the services enforce it. */
export function ApiAccess(spec: ApiAccessSpec): MethodDecorator & ClassDecorator {
  return ApiExtension(ACCESS_EXTENSION, spec);
}
