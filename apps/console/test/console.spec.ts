import { ApiError } from '../src/api/problem';
import { routeUrl } from '../src/api/route-url';
import { fillPath, matchPath, safeNext } from '../src/route-match';

describe('console routing', () => {
  it('matches a path against a pattern and decodes its parameters', () => {
    expect(matchPath('/projects/:projectId/keys/:keyId', '/projects/p%201/keys/k2')).toEqual({
      projectId: 'p 1',
      keyId: 'k2',
    });
    expect(matchPath('/projects/:projectId', '/projects/p1/')).toEqual({ projectId: 'p1' });
    expect(matchPath('/', '/')).toEqual({});
  });

  it('does not match other paths, longer or shorter ones, or broken escapes', () => {
    expect(matchPath('/projects/:projectId', '/orgs/p1')).toBeNull();
    expect(matchPath('/projects/:projectId', '/projects/p1/keys')).toBeNull();
    expect(matchPath('/projects/:projectId/keys', '/projects/p1')).toBeNull();
    expect(matchPath('/projects/:projectId', '/projects/%E0%A4%A')).toBeNull();
  });

  it('fills navigation paths with the current ids, or gives none when one is missing', () => {
    expect(fillPath('/projects/:projectId/keys', { projectId: 'a/b' })).toBe('/projects/a%2Fb/keys');
    expect(fillPath('/orgs/:orgId/members', { projectId: 'p1' })).toBeNull();
    expect(fillPath('/account', {})).toBe('/account');
  });

  it('follows a next parameter only inside the console', () => {
    expect(safeNext('/invitations/accept?token=x')).toBe('/invitations/accept?token=x');
    for (const next of ['//evil.example', 'https://evil.example', '/\\evil.example', '', null, undefined]) {
      expect(safeNext(next)).toBe('/');
    }
  });
});

describe('console API client', () => {
  it('builds a URL from a route, its path parameters and query', () => {
    expect(
      routeUrl('GET /v1/keys/{keyId}/usage', { keyId: 'k/1' }, { interval: 'day', from: undefined }),
    ).toBe('/v1/keys/k%2F1/usage?interval=day');
    expect(routeUrl('GET /v1/orgs', undefined, { limit: 200, cursor: '' })).toBe('/v1/orgs?limit=200');
    expect(routeUrl('GET /v1/me', undefined, undefined)).toBe('/v1/me');
    expect(() => routeUrl('GET /v1/keys/{keyId}', {}, undefined)).toThrow(/keyId/);
  });

  it('reads a problem+json answer into a typed error with per-field messages', () => {
    const error = new ApiError(400, {
      type: 'https://northstar.dev/problems/validation-failed',
      title: 'Your request is invalid',
      status: 400,
      detail: 'password: must be at least 10 characters',
      errors: [{ field: 'password', message: 'must be at least 10 characters' }],
      requestId: 'req-1',
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('password: must be at least 10 characters');
    expect(error.code).toBe('validation-failed');
    expect(error.fieldError('password')).toBe('must be at least 10 characters');
    expect(error.fieldError('email')).toBeUndefined();
    expect(error.requestId).toBe('req-1');
  });

  it('still gives a readable error for an answer that is not a problem', () => {
    const error = new ApiError(502, {});
    expect(error.detail).toBe('Request failed (502)');
    expect(error.errors).toEqual([]);
    expect(error.code).toBe('about:blank');
  });
});
