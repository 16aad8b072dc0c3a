import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { RegisterBody } from '../identity/identity.contract';
import { CreateInvitationBody } from '../tenancy/invitation.contract';

const invalidFields = <T extends object>(type: new () => T, value: object) =>
  validateSync(plainToInstance(type, value)).map((error) => error.property);

describe('IsEmailAddress', () => {
  it('accepts an email address, and refuses one holding a lone surrogate instead of throwing', () => {
    expect(invalidFields(CreateInvitationBody, { email: 'grace@example.com', role: 'member' })).toEqual([]);
    for (const email of ['gr\uD800ace@example.com', 'grace@ex\uDFFFample.com', '\uD800'])
      expect(invalidFields(CreateInvitationBody, { email, role: 'member' })).toEqual(['email']);
    expect(
      invalidFields(RegisterBody, { email: 'a\uD800@example.com', password: 'x'.repeat(12), name: 'A' }),
    ).toContain('email');
  });
});
