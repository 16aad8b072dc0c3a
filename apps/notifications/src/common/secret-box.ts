import { Injectable } from '@nestjs/common';
import { Sealer } from '@northstar/sealing';
import { NotificationsConfig } from '../config';

/**
 * Seals the webhook signing secrets stored in PostgreSQL (a Sealer keyed from WEBHOOK_SECRETS_KEY).
 * They cannot be hashed like API keys, since signing needs them in clear, but a copy of the database
 * alone must not be enough to forge Northstar's signatures. A value stored before sealing existed
 * (no prefix) is opened as it is.
 */
@Injectable()
export class SecretBox extends Sealer {
  constructor(config: NotificationsConfig) {
    super(config.WEBHOOK_SECRETS_KEY, 'webhook signing secrets');
  }
}
