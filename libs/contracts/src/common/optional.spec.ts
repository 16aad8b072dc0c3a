import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { UpdateMeBody } from '../identity/identity.contract';
import { UpdateOrgBody } from '../tenancy/org.contract';
import { UpdateProjectBody } from '../tenancy/project.contract';

const invalidFields = <T extends object>(type: new () => T, value: object) =>
  validateSync(plainToInstance(type, value)).map((error) => error.property);

describe('OptionalNotNull', () => {
  it('lets a PATCH leave a field out, and refuses null for it', () => {
    expect(invalidFields(UpdateOrgBody, {})).toEqual([]);
    expect(invalidFields(UpdateOrgBody, { name: null, slug: null })).toEqual(['name', 'slug']);
    expect(invalidFields(UpdateProjectBody, { name: null, slug: null, kind: null, timezone: null })).toEqual([
      'name',
      'slug',
      'kind',
      'timezone',
    ]);
    expect(invalidFields(UpdateMeBody, { name: null })).toEqual(['name']);
    expect(invalidFields(UpdateMeBody, { name: 'Ada' })).toEqual([]);
  });
});
