import { EventTokenSealer, Sealer } from './sealer';

const SECRET = 'a configured secret of thirty-two characters or more';

describe('Sealer', () => {
  it('opens what it sealed, and seals the same value differently each time', () => {
    const sealer = new Sealer(SECRET, 'tests');
    const first = sealer.seal('nsi_token');
    const second = sealer.seal('nsi_token');
    expect(first).toMatch(/^enc:v1:[A-Za-z0-9_-]+$/);
    expect(first).not.toContain('nsi_token');
    expect(second).not.toBe(first);
    expect(sealer.open(first)).toBe('nsi_token');
    expect(sealer.open(second)).toBe('nsi_token');
  });

  it('refuses a value sealed with another secret or for another purpose, or altered', () => {
    const sealed = new EventTokenSealer(SECRET).seal('reset-token');
    expect(() => new EventTokenSealer(`${SECRET}!`).open(sealed)).toThrow();
    expect(() => new Sealer(SECRET, 'webhook signing secrets').open(sealed)).toThrow();
    const altered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
    expect(() => new EventTokenSealer(SECRET).open(altered)).toThrow();
    expect(() => new EventTokenSealer(SECRET).open('enc:v1:AAAA')).toThrow();
  });

  it('returns a value stored before sealing existed as it is', () => {
    expect(new Sealer(SECRET, 'tests').open('plain-old-value')).toBe('plain-old-value');
  });
});
