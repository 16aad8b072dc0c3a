import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals secrets that must be recovered in clear later (unlike passwords and keys, which are hashed):
 * AES-256-GCM with a key derived from a configured secret and the purpose, so one configured secret
 * used for two purposes still gives two keys. A sealed value is `enc:v1:` + base64url(iv, tag, data).
 */
export class Sealer {
  private readonly key: Buffer;

  constructor(secret: string, purpose: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, '', `northstar ${purpose}`, 32));
  }

  static isSealed(value: string): boolean {
    return value.startsWith(PREFIX);
  }

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
  }

  /**
   * The value in clear. A value without the prefix, written before sealing existed, is returned as
   * it is; a sealed one that was altered or sealed with another key throws.
   */
  open(stored: string): string {
    if (!Sealer.isSealed(stored)) return stored;
    const raw = Buffer.from(stored.slice(PREFIX.length), 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('A sealed value too short to open');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  }
}

/**
 * Seals the single-use tokens (email verification, password reset, invitation) that durable domain
 * events carry to the notifications service, keyed from EVENT_TOKENS_KEY: the services that issue or
 * mail them hold that key, the stream and its readers see only sealed values.
 */
export class EventTokenSealer extends Sealer {
  constructor(secret: string) {
    super(secret, 'single-use tokens on durable events');
  }
}
