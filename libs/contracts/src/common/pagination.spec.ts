import { decodeCursor, encodeCursor } from './pagination';

describe('cursors', () => {
  it.each(['ethereum', 'a', 'base-sepolia', 'ünïcödé 😀', '2026-11-22T10:00:00.000Z|0b5e6c2a'])(
    'round-trips %j',
    (key) => {
      const cursor = encodeCursor(key);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(cursor)).toBe(key);
    },
  );

  it.each(['', '!!!', 'not a cursor', 'ZXRoZXJldW0=', 'ZXRoZXJldW0x'.slice(0, 5)])('refuses %j', (cursor) => {
    expect(decodeCursor(cursor)).toBeNull();
  });
});
