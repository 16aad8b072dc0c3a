import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createTransport, type Transporter } from 'nodemailer';
import type { NotificationsConfig } from '../config';
import { readableEml } from './readable-eml';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Names the file in development; not sent. */
  kind: string;
}

/** Where email goes: SMTP, or files in development. A failed send throws, and the job is retried. */
export abstract class EmailChannel {
  abstract send(email: OutgoingEmail): Promise<void>;
}

export function createEmailChannel(config: NotificationsConfig): EmailChannel {
  return config.SMTP_URL
    ? new SmtpEmailChannel(config.SMTP_URL, config.MAIL_FROM)
    : new FileEmailChannel(config.MAIL_DIR, config.MAIL_FROM);
}

export class SmtpEmailChannel extends EmailChannel implements OnApplicationShutdown {
  private readonly transport: Transporter;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    super();
    this.transport = createTransport({
      url,
      // Nodemailer waits minutes by default; a hung server should fail the attempt and let the
      // queue retry it later instead of holding a worker slot.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
  }

  async send(email: OutgoingEmail): Promise<void> {
    await this.transport.sendMail({
      from: this.from,
      to: email.to,
      subject: email.subject,
      text: email.text,
      html: email.html,
    });
  }

  onApplicationShutdown(): void {
    this.transport.close();
  }
}

/**
 * The development default: each email becomes a readable .eml file, and a log line says where, so
 * that following a verification link needs no mail server.
 */
export class FileEmailChannel extends EmailChannel {
  private readonly logger = new Logger('Email');
  private readonly directory: string;

  constructor(
    directory: string,
    private readonly from: string,
  ) {
    super();
    this.directory = resolve(directory);
  }

  async send(email: OutgoingEmail): Promise<void> {
    const date = new Date();
    const stamp = date
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    const recipient = email.to.replace(/[^A-Za-z0-9@._-]/g, '_').slice(0, 80);
    const path = join(
      this.directory,
      `${stamp}-${email.kind}-${recipient}-${randomBytes(3).toString('hex')}.eml`,
    );
    await mkdir(this.directory, { recursive: true });
    await writeFile(path, readableEml({ ...email, from: this.from, date }), { mode: 0o600 });
    this.logger.log(`SMTP_URL is not set: email "${email.subject}" to ${email.to} written to ${path}`);
  }
}
