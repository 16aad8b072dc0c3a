import { ConfigError, loadConfig } from '@northstar/config';
import { NotificationsConfig } from './config';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(NotificationsConfig, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

// The production secrets every process or every token-sealing service needs, besides notifications' own.
const SHARED = {
  BUS_SIGNING_KEY: 'a production bus signing key of 32+ chars',
  NATS_PASSWORD: 'pw1',
  EVENT_TOKENS_KEY: 'a production event tokens key of 32+ chars',
};

describe('NotificationsConfig', () => {
  it('writes email to files in development, with links to the local web app', () => {
    const config = loadConfig(NotificationsConfig, {});
    expect(config).toMatchObject({
      SMTP_URL: '',
      MAIL_DIR: '.data/mail',
      MAIL_FROM: 'Northstar <no-reply@northstar.local>',
      PUBLIC_URL: 'http://localhost:3000',
      EMAIL_ATTEMPTS: 10,
      EMAIL_RETRY_DELAY_MS: 2000,
    });
  });

  it('refuses to start in production without an SMTP server, a public URL and a secrets key', () => {
    expect(problems({ NODE_ENV: 'production', ...SHARED })).toEqual([
      expect.stringMatching(/^SMTP_URL: must be set in production/),
      expect.stringMatching(/^PUBLIC_URL: must be set in production/),
      expect.stringMatching(/^WEBHOOK_SECRETS_KEY: must be set in production/),
    ]);
  });

  it('starts in production with all three', () => {
    const config = loadConfig(NotificationsConfig, {
      NODE_ENV: 'production',
      SMTP_URL: 'smtps://mailer:s3cret@smtp.example.com:465',
      PUBLIC_URL: 'https://app.example.com',
      WEBHOOK_SECRETS_KEY: 'a-long-random-production-key',
      ...SHARED,
    });
    expect(config.SMTP_URL).toBe('smtps://mailer:s3cret@smtp.example.com:465');
  });

  it('refuses an SMTP_URL that is not an smtp:// or smtps:// URL', () => {
    expect(problems({ SMTP_URL: 'http://smtp.example.com' })).toEqual([expect.stringMatching(/^SMTP_URL:/)]);
    expect(problems({ SMTP_URL: 'smtp://127.0.0.1:1025' })).toEqual([]);
  });

  it('refuses a PUBLIC_URL without a scheme', () => {
    expect(problems({ PUBLIC_URL: 'app.example.com' })).toEqual([expect.stringMatching(/^PUBLIC_URL:/)]);
  });
});
