import { DomainException } from '@northstar/contracts';
import { NO_RULES } from '../api-keys/key-rules';
import type { AuthenticatedKey } from '../api-keys/key-verifier';
import { ingestCallerOf } from './ingest-caller';

const key: AuthenticatedKey = {
  keyId: 'key-1',
  orgId: 'org-1',
  projectId: 'project-1',
  scopes: ['events:write'],
  rateLimit: null,
  rules: NO_RULES,
};
const receivedAt = new Date('2026-11-22T10:00:00.000Z');

describe('ingestCallerOf', () => {
  it("takes the project from the key, and the caller's address only from a browser", () => {
    const server = ingestCallerOf({ id: 'req-1', ip: '198.51.100.4', headers: {}, apiKey: key }, receivedAt);
    expect(server).toEqual({ projectId: 'project-1', requestId: 'req-1', receivedAt });

    const browser = ingestCallerOf(
      { id: 'req-2', ip: '203.0.113.7', headers: { origin: 'https://shop.example' }, apiKey: key },
      receivedAt,
    );
    expect(browser).toEqual({
      projectId: 'project-1',
      requestId: 'req-2',
      receivedAt,
      clientIp: '203.0.113.7',
    });
  });

  it('refuses a request that was not authenticated with a key', () => {
    expect(() => ingestCallerOf({ id: 'req-3', ip: '::1', headers: {} })).toThrow(DomainException);
  });
});
