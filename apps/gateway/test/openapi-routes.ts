import { getJson } from './support';

// The OpenAPI document the gateway serves, as the suites that walk every route read it (the fuzzing
// and the tenancy matrix).

export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  nullable?: boolean;
  additionalProperties?: boolean | Schema;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

/** Who may call an operation: the gateway's `x-northstar-access` (api-access.decorator.ts). */
export interface DocumentedAccess {
  public?: true;
  role?: 'owner' | 'admin' | 'member' | 'viewer' | 'user' | 'platform-admin';
  scopes?: string[];
  /** A service token of the operator's infrastructure (`rpc-proxy`: VERIFY_TOKENS), never a user or key. */
  service?: 'rpc-proxy';
}

export interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, unknown>;
  security?: Record<string, string[]>[];
  'x-northstar-access'?: DocumentedAccess;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface RouteOperation {
  /** `POST /v1/orgs/{orgId}/projects`. */
  route: string;
  path: string;
  method: string;
  operation: Operation;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export async function loadOpenApi(gatewayUrl: string): Promise<OpenApiDocument> {
  return (await getJson<OpenApiDocument>(`${gatewayUrl}/docs-json`)).body;
}

/** Every operation of the document, in its order. */
export function operationsOf(document: OpenApiDocument): RouteOperation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, path, method, operation })),
  );
}
