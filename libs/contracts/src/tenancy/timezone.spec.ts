import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CreateProjectBody } from './project.contract';
import { canonicalTimeZone } from './timezone';

describe('IANA time zones', () => {
  it.each([
    ['UTC', 'UTC'],
    ['Europe/Paris', 'Europe/Paris'],
    ['europe/paris', 'Europe/Paris'],
    // ICU's canonical name of a tz database link is the older one.
    ['America/Argentina/Buenos_Aires', 'America/Buenos_Aires'],
    ['Etc/GMT+5', 'Etc/GMT+5'],
  ])('accepts %j as %j', (zone, canonical) => {
    expect(canonicalTimeZone(zone)).toBe(canonical);
  });

  it.each([
    '',
    'Mars/Olympus_Mons',
    '+01:00',
    'UTC+1',
    'Europe/Paris/',
    '../etc/passwd',
    'x'.repeat(65),
    42,
    null,
  ])('refuses %j', (zone) => {
    expect(canonicalTimeZone(zone)).toBeNull();
  });

  it('stores the canonical spelling and names the field of an unknown zone', () => {
    const valid = plainToInstance(CreateProjectBody, { name: 'App', kind: 'web2', timezone: 'asia/tokyo' });
    expect(validateSync(valid)).toEqual([]);
    expect(valid.timezone).toBe('Asia/Tokyo');

    const invalid = plainToInstance(CreateProjectBody, {
      name: 'App',
      kind: 'web2',
      timezone: 'Asia/Atlantis',
    });
    expect(validateSync(invalid).map((error) => error.property)).toEqual(['timezone']);
  });
});
