import { currentRequestId, runWithRequestContext, sanitizeRequestId } from './request-context';

describe('request context', () => {
  it('keeps the request id across awaits, and only inside the context', async () => {
    expect(currentRequestId()).toBeUndefined();
    const seen = await runWithRequestContext({ requestId: 'req-1' }, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return currentRequestId();
    });
    expect(seen).toBe('req-1');
    expect(currentRequestId()).toBeUndefined();
  });

  it.each(['abc', 'req-1.2:3_4', 'a'.repeat(128), '0b5e6c2a-1d2f-4a3b-9c8d-7e6f5a4b3c2d'])(
    'keeps the id %j',
    (id) => {
      expect(sanitizeRequestId(id)).toBe(id);
    },
  );

  it.each(['', 'a'.repeat(129), 'line\nbreak', 'with space', '<script>', 42, undefined])(
    'replaces the id %j with a fresh UUID',
    (id) => {
      expect(sanitizeRequestId(id)).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      );
    },
  );
});
