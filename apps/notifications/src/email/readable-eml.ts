import { randomBytes } from 'node:crypto';

export interface EmlMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  date: Date;
}

/**
 * A complete .eml (multipart/alternative) whose bodies are left as plain UTF-8 ("8bit"), so that a
 * developer can read it, link included, with `cat` as well as open it in a mail client. Transports
 * would quoted-print it (`token=3D…`, soft line breaks), which is right on the wire, not in a file.
 * Unix line ends, as a text editor on the developer's machine expects.
 */
export function readableEml(message: EmlMessage): string {
  const boundary = `northstar-${randomBytes(12).toString('hex')}`;
  const header = (name: string, value: string) => `${name}: ${value.replace(/\s+/g, ' ').trim()}`;
  const domain = /@([^>\s]+)>?\s*$/.exec(message.from)?.[1] ?? 'northstar.local';
  const part = (type: string, body: string) => [
    `--${boundary}`,
    `Content-Type: ${type}; charset=utf-8`,
    'Content-Transfer-Encoding: 8bit',
    '',
    body,
  ];
  return [
    header('From', message.from),
    header('To', message.to),
    header('Subject', message.subject),
    header('Date', message.date.toUTCString()),
    header('Message-ID', `<${randomBytes(16).toString('hex')}@${domain}>`),
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    ...part('text/plain', message.text),
    ...part('text/html', message.html),
    `--${boundary}--`,
    '',
  ].join('\n');
}
