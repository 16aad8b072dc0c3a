import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CreateKeyBody, RotateKeyBody, UpdateKeyBody } from './keys.contract';

function invalidFields<T extends object>(type: new () => T, value: object): string[] {
  const errors = validateSync(plainToInstance(type, value), { whitelist: true, forbidNonWhitelisted: true });
  const fields: string[] = [];
  const walk = (list: typeof errors, parent: string) => {
    for (const error of list) {
      const field = parent ? `${parent}.${error.property}` : error.property;
      if (error.constraints) fields.push(field);
      walk(error.children ?? [], field);
    }
  };
  walk(errors, '');
  return fields;
}

describe('key request bodies', () => {
  it('accepts a key with scopes, an expiry with a zone and a rate limit, and trims the name', () => {
    const body = {
      name: '  Server  ',
      scopes: ['events:write', 'rpc'],
      expiresAt: '2099-01-01T00:00:00+02:00',
    };
    expect(invalidFields(CreateKeyBody, { ...body, rateLimit: { limit: 5, windowSeconds: 60 } })).toEqual([]);
    expect(plainToInstance(CreateKeyBody, body).name).toBe('Server');
  });

  it.each([
    [{ name: 'x', scopes: [] }, ['scopes']],
    [{ name: 'x', scopes: ['rpc', 'rpc'] }, ['scopes']],
    [{ name: 'x', scopes: ['admin'] }, ['scopes']],
    [{ name: '   ', scopes: ['rpc'] }, ['name']],
    [{ name: 'x', scopes: ['rpc'], expiresAt: '2099-01-01T00:00:00' }, ['expiresAt']],
    [{ name: 'x', scopes: ['rpc'], expiresAt: '2099-02-30T00:00:00Z' }, ['expiresAt']],
    [
      { name: 'x', scopes: ['rpc'], rateLimit: { limit: 0, windowSeconds: 86_401 } },
      ['rateLimit.limit', 'rateLimit.windowSeconds'],
    ],
    [{ name: 'x', scopes: ['rpc'], owner: 'me' }, ['owner']],
  ])('refuses %j at %j', (value, fields) => {
    expect(invalidFields(CreateKeyBody, value)).toEqual(fields);
  });

  it('lets a change remove the expiry and the rate limit with null, and change nothing when empty', () => {
    expect(invalidFields(UpdateKeyBody, { expiresAt: null, rateLimit: null })).toEqual([]);
    expect(invalidFields(UpdateKeyBody, {})).toEqual([]);
    expect(invalidFields(UpdateKeyBody, { scopes: [] })).toEqual(['scopes']);
  });

  it('bounds the grace period of a rotation', () => {
    expect(invalidFields(RotateKeyBody, {})).toEqual([]);
    expect(invalidFields(RotateKeyBody, { gracePeriodSeconds: 3600 })).toEqual([]);
    expect(invalidFields(RotateKeyBody, { gracePeriodSeconds: -1 })).toEqual(['gracePeriodSeconds']);
    expect(invalidFields(RotateKeyBody, { gracePeriodSeconds: 1.5 })).toEqual(['gracePeriodSeconds']);
  });
});
