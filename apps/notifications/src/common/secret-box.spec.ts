import { loadConfig } from '@northstar/config';
import { NotificationsConfig } from '../config';
import { SecretBox } from './secret-box';

const box = (key: string) => new SecretBox(loadConfig(NotificationsConfig, { WEBHOOK_SECRETS_KEY: key }));

describe('SecretBox', () => {
  const secret = 'whsec_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';

  it('seals a secret so that it does not appear in what is stored, and opens it again', () => {
    const sealed = box('a-long-random-key-for-tests').seal(secret);
    expect(sealed).toMatch(/^enc:v1:/);
    expect(sealed).not.toContain(secret);
    expect(box('a-long-random-key-for-tests').open(sealed)).toBe(secret);
  });

  it('seals the same secret differently every time (a fresh IV)', () => {
    const one = box('a-long-random-key-for-tests');
    expect(one.seal(secret)).not.toBe(one.seal(secret));
  });

  it('refuses a value sealed with another key or altered', () => {
    const sealed = box('a-long-random-key-for-tests').seal(secret);
    expect(() => box('another-long-random-key').open(sealed)).toThrow();
    const raw = Buffer.from(sealed.slice('enc:v1:'.length), 'base64url');
    raw[raw.length - 1] ^= 1;
    expect(() => box('a-long-random-key-for-tests').open(`enc:v1:${raw.toString('base64url')}`)).toThrow();
  });

  it('opens a secret stored in clear before sealing existed as it is', () => {
    expect(box('a-long-random-key-for-tests').open('legacy-secret-in-clear')).toBe('legacy-secret-in-clear');
  });

  it('refuses to start in production with the development key', () => {
    expect(() => loadConfig(NotificationsConfig, { NODE_ENV: 'production' })).toThrow(/WEBHOOK_SECRETS_KEY/);
  });
});
