import { PasswordHasher } from './password-hasher';
import { IdentityConfig } from '../config';
import { parseAdminEmails, PlatformRoles } from './platform-roles';
import { hashToken, newSecureToken } from './secure-token';

describe('admin emails setting', () => {
  it('is comma separated, case-insensitive, and ignores blanks and spaces', () => {
    expect([...parseAdminEmails(' Ops@Example.com,, root@example.COM ,')]).toEqual([
      'ops@example.com',
      'root@example.com',
    ]);
    expect(parseAdminEmails('').size).toBe(0);
  });

  it('makes a listed email admin only once it is verified', () => {
    const roles = new PlatformRoles(
      Object.assign(new IdentityConfig(), { NORTHSTAR_ADMIN_EMAILS: 'Ops@Example.com' }),
    );
    expect(roles.roleOf({ email: 'ops@example.com', emailVerified: false })).toBe('user');
    expect(roles.roleOf({ email: 'ops@example.com', emailVerified: true })).toBe('admin');
    expect(roles.roleOf({ email: 'other@example.com', emailVerified: true })).toBe('user');
  });
});

describe('secure tokens', () => {
  it('carry 256 random bits and are stored as their SHA-256 only', () => {
    const { token, hash } = newSecureToken();
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(hashToken(token));
    expect(newSecureToken().token).not.toBe(token);
  });
});

describe('password hashing', () => {
  const hasher = new PasswordHasher();
  beforeAll(() => hasher.onModuleInit());

  it('uses argon2id with the stated parameters and a salt per hash', async () => {
    const first = await hasher.hash('correct horse battery');
    expect(first).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hasher.hash('correct horse battery')).not.toBe(first);
  });

  it('verifies the right password only', async () => {
    const stored = await hasher.hash('correct horse battery');
    expect(await hasher.verify(stored, 'correct horse battery')).toBe(true);
    expect(await hasher.verify(stored, 'Correct horse battery')).toBe(false);
  });

  it('fails without a stored hash, and on a corrupt one', async () => {
    expect(await hasher.verify(null, 'anything at all')).toBe(false);
    expect(await hasher.verify('not a hash', 'anything at all')).toBe(false);
  });
});
