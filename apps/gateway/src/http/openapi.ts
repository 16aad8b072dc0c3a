import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { addApiKeySecuritySchemes } from '../api-keys/api-key.openapi';
import { ProblemDto } from './api-problem.decorator';

const DESCRIPTION = `
The public HTTP API of Northstar. JSON in and out; timestamps are ISO-8601 UTC.

**Errors** are \`application/problem+json\` with \`type\`, \`title\`, \`status\`, \`detail\`, \`requestId\`
and, for invalid input (400), \`errors: [{ field, message }]\`. A dependency that is down answers 503
with \`Retry-After\`; a client's mistake is never a 500. The statuses: 400 invalid input (with \`errors\`
per field, malformed JSON, corrupt gzip), 401 missing or bad credentials, 403 authenticated but not
allowed, 404 unknown route or object (or one of another tenant), 409 conflict (duplicate email or slug,
last owner), 413 body over the limit (after decompression), 414 a path segment too long, 415
unsupported \`Content-Encoding\`, 429 throttled (with \`Retry-After\`), 431 request line and headers over
Node's limit (a URL of ~16 KB), 503 a service or the bus is down (with \`Retry-After\`). A 500 carries
only an \`errorId\` to quote.

**Request ids**: every answer carries \`X-Request-Id\`, echoed from the request when it sends one
(1-128 characters of \`A-Za-z0-9._:-\`), generated otherwise.

**Lists** take \`limit\` (default 50, max 200) and \`cursor\` and answer \`{ items, nextCursor }\`;
pass \`nextCursor\` back as \`cursor\` until it is null. Cursors are opaque and belong to one list: any
cursor that list did not issue (forged, altered, another list's, or from before a cursor format change)
is a 400 naming \`cursor\`; start again from the first page.

**API keys** go as \`Authorization: Bearer nsk_…\`, \`X-Api-Key\` or HTTP Basic (the key as user name);
answers to a key with a \`rateLimit\` carry \`RateLimit-Limit\`, \`RateLimit-Remaining\` and
\`RateLimit-Reset\`.

**Who may call** each operation is its \`x-northstar-access\`: \`public\` (no credentials), \`role\`
(\`user\`: any signed-in user, on their own objects; \`platform-admin\`; or the least role in the
organisation owning the object: \`viewer\`, \`member\`, \`admin\`, \`owner\`), and \`scopes\` when an
API key of the object's project with those scopes may call it too. Below the role or without the
scopes: 403; a non-member, or an object of another organisation: 404; no credentials: 401. An
organisation that requires two-factor sign-in (\`requireMfa\`) answers its members whose access token
lacks the \`mfa\` claim 403 with problem type \`mfa-required\`, on every role-gated route of its objects,
unless their session was signed in through a provider it lists in \`trustedMfaProviders\` (the
token's \`mfaVia\` claim). Creating a project, member or key past the organisation's plan answers 403
with problem type \`plan-limit\` and the limit in \`limit\` (\`maxProjects\`, \`maxMembers\`, \`maxKeys\`).

**Bodies** are JSON sent as \`application/json\`, except on the event routes, which read any content type
as JSON. **Compression**: request bodies may be sent with \`Content-Encoding: gzip\`; size limits apply to
the decompressed body (413 when exceeded).
`;

/** Builds the OpenAPI document from the controllers and DTOs and serves it at /docs and /docs-json. */
export function setupOpenApi(app: INestApplication, version: string): void {
  const config = addApiKeySecuritySchemes(
    new DocumentBuilder()
      .setTitle('Northstar API')
      .setDescription(DESCRIPTION.trim())
      .setVersion(version)
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          description:
            'Access JWT of a dashboard user. A token whose session has ended (logout, a deleted ' +
            'session, a password reset or change) answers 401 within 2 seconds; 503 when the ' +
            'session cannot be verified just now.',
        },
        'user',
      ),
  ).build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ProblemDto] });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', useGlobalPrefix: false });
}
