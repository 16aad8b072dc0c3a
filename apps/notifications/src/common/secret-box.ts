import { Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { NotificationsConfig } from '../config';

const PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals the webhook signing secrets stored in PostgreSQL (AES-256-GCM with a key derived from
 * WEBHOOK_SECRETS_KEY). They cannot be hashed like API keys, since signing needs them in clear, but a
 * copy of the database alone must not be enough to forge Northstar's signatures. A value stored
 * before sealing existed (no prefix) is opened as it is.
 */
@Injectable()
export class SecretBox {
  private readonly key: Buffer;

  constructor(config: NotificationsConfig) {
    this.key = Buffer.from(
      hkdfSync('sha256', config.WEBHOOK_SECRETS_KEY, '', 'northstar webhook signing secrets', 32),
    );
  }

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
  }

  /** The secret in clear; throws when the value was sealed with another key or altered. */
  open(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const raw = Buffer.from(stored.slice(PREFIX.length), 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  }
}
