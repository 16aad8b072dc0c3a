import type { DocumentBuilder } from '@nestjs/swagger';

/** The OpenAPI security schemes of an API key: the three ways a request may present one. */
export const ApiKeySecuritySchemes = {
  header: 'apiKey',
  bearer: 'apiKeyBearer',
  basic: 'apiKeyBasic',
} as const;

/** The security scheme of POST /v1/keys/verify: a service token of the operator's RPC proxy. */
export const VERIFY_TOKEN_SECURITY_SCHEME = 'verifyToken';

/** Declares the API-key security schemes in the document that KeyAuth() routes refer to. */
export function addApiKeySecuritySchemes(builder: DocumentBuilder): DocumentBuilder {
  return builder
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'An nsk_ API key' },
      ApiKeySecuritySchemes.header,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'nsk_ API key',
        description: 'An nsk_ API key as the bearer token (told apart from user JWTs by its prefix)',
      },
      ApiKeySecuritySchemes.bearer,
    )
    .addBasicAuth(
      {
        type: 'http',
        scheme: 'basic',
        description:
          'An nsk_ API key as the user name and an empty password, as Segment and RudderStack SDKs send their write key',
      },
      ApiKeySecuritySchemes.basic,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: "A service token of the operator's RPC proxy, one of the gateway's VERIFY_TOKENS",
      },
      VERIFY_TOKEN_SECURITY_SCHEME,
    );
}
