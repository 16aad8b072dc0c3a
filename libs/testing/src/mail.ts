import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** An email as the test SMTP server received it, decoded enough to read and to follow its links. */
export interface ReceivedMail {
  /** The envelope recipients (RCPT TO), lower-cased: where the mail was actually delivered. */
  to: string[];
  /** The envelope sender (MAIL FROM). */
  envelopeFrom: string;
  /** Decoded header values by lower-cased name (the last one wins when a header repeats). */
  headers: Record<string, string>;
  /** The From header, as written (`Northstar <no-reply@…>`). */
  from: string;
  subject: string;
  /** The text/plain body ('' when there is none). */
  text: string;
  /** The text/html body ('' when there is none). */
  html: string;
  /** The message as received. */
  raw: string;
}

export interface TestSmtp {
  /** `smtp://127.0.0.1:<port>`, for SMTP_URL. */
  url: string;
  port: number;
  /** Every message received so far, oldest first. */
  messages: ReceivedMail[];
  /** Resolves with the first message (received already or later) matching the predicate. */
  waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** While true, the server answers every MAIL FROM with a temporary failure (451), as a server in trouble does. */
  refusing: boolean;
  /** How many sends were refused so far. */
  readonly refused: number;
  stop(): Promise<void>;
}

export interface StartTestSmtpOptions {
  /** A fixed port, e.g. to bring a stopped server back where the service expects it (default: any free one). */
  port?: number;
}

/**
 * An SMTP server on the loopback interface that keeps what it receives, for tests that check what a
 * user would find in their inbox: `SMTP_URL: smtp.url`, then `await smtp.waitFor((m) => m.to.includes(email))`.
 */
export async function startTestSmtp(options: StartTestSmtpOptions = {}): Promise<TestSmtp> {
  const messages: ReceivedMail[] = [];
  const waiters = new Set<{
    predicate: (mail: ReceivedMail) => boolean;
    resolve: (mail: ReceivedMail) => void;
  }>();
  let refused = 0;

  const state: { refusing: boolean } = { refusing: false };
  const server = new SMTPServer({
    authOptional: true,
    // Clients would upgrade to TLS and then reject the server's self-signed certificate.
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 1000,
    onMailFrom(_address, _session, callback) {
      if (!state.refusing) return callback();
      refused += 1;
      callback(
        Object.assign(new Error('Mailbox temporarily unavailable, try again later'), { responseCode: 451 }),
      );
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const envelope = session.envelope;
        const mail = parseMail(Buffer.concat(chunks), {
          to: envelope.rcptTo.map((address) => address.address.toLowerCase()),
          from: envelope.mailFrom ? envelope.mailFrom.address : '',
        });
        messages.push(mail);
        for (const waiter of waiters) {
          if (waiter.predicate(mail)) {
            waiters.delete(waiter);
            waiter.resolve(mail);
          }
        }
        callback();
      });
    },
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.server.address() as AddressInfo).port);
    });
  });
  // After start-up, a broken client connection is the client's problem, not the test's.
  server.on('error', () => undefined);

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    get refusing() {
      return state.refusing;
    },
    set refusing(value: boolean) {
      state.refusing = value;
    },
    get refused() {
      return refused;
    },
    waitFor(predicate, timeoutMs = 10_000) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise<ReceivedMail>((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (mail: ReceivedMail) => {
            clearTimeout(timer);
            resolve(mail);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = messages.map((m) => `"${m.subject}" to ${m.to.join(', ')}`).join('; ') || 'none';
          reject(new Error(`No matching email within ${timeoutMs} ms (received: ${seen})`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The `token` query parameter of the first link to `path` (e.g. `/verify-email`) in an email's text
 * or HTML, decoded: what the page the link opens would read.
 */
export function tokenFromLink(body: string, path: string): string {
  for (const match of body.replace(/&amp;/g, '&').matchAll(/https?:\/\/[^\s"'<>]+/g)) {
    let url: URL;
    try {
      url = new URL(match[0]);
    } catch {
      continue;
    }
    const token = url.searchParams.get('token');
    if (url.pathname.endsWith(path) && token !== null) return token;
  }
  throw new Error(`No link to ${path} with a token in:\n${body}`);
}

/**
 * Reads a MIME message far enough for tests: headers (RFC 2047 encoded words), single-part and
 * nested multipart bodies, quoted-printable, base64 and 8bit transfer encodings, UTF-8 and Latin-1.
 */
export function parseMail(
  raw: Buffer | string,
  envelope: { to: string[]; from: string } = { to: [], from: '' },
): ReceivedMail {
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  // Latin-1 keeps one character per byte, so bodies can be decoded in their own charset later.
  const entity = parseEntity(bytes.toString('latin1'));
  const bodies = { text: '', html: '' };
  collectBodies(entity, bodies);
  const headers = Object.fromEntries([...entity.headers].map(([name, value]) => [name, value]));
  return {
    to: envelope.to,
    envelopeFrom: envelope.from,
    headers,
    from: headers['from'] ?? '',
    subject: headers['subject'] ?? '',
    text: bodies.text,
    html: bodies.html,
    raw: bytes.toString('utf8'),
  };
}

interface Entity {
  headers: Map<string, string>;
  /** Content-Type without parameters, lower-cased. */
  type: string;
  params: Record<string, string>;
  body: string;
}

function parseEntity(source: string): Entity {
  const split = /\r?\n\r?\n/.exec(source);
  const head = split ? source.slice(0, split.index) : source;
  const body = split ? source.slice(split.index + split[0].length) : '';
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.set(
      line.slice(0, colon).trim().toLowerCase(),
      decodeWords(decodeBytes(line.slice(colon + 1).trim(), 'utf-8')),
    );
  }
  const [type = 'text/plain', ...rest] = (headers.get('content-type') ?? 'text/plain').split(';');
  const params: Record<string, string> = {};
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    params[param.slice(0, eq).trim().toLowerCase()] = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
  }
  return { headers, type: type.trim().toLowerCase(), params, body };
}

function collectBodies(entity: Entity, bodies: { text: string; html: string }): void {
  if (entity.type.startsWith('multipart/')) {
    const boundary = entity.params['boundary'];
    if (!boundary) return;
    const delimiter = new RegExp(`^--${escapeRegExp(boundary)}(--)?[ \\t]*$`, 'm');
    const parts = entity.body.split(delimiter);
    // split() interleaves the captured "--" of the closing delimiter: keep only the part texts,
    // without the preamble before the first delimiter.
    for (let i = 1; i < parts.length; i += 2) {
      if (parts[i] === '--') break;
      const part = (parts[i + 1] ?? '').replace(/^\r?\n/, '').replace(/\r?\n$/, '');
      collectBodies(parseEntity(part), bodies);
    }
    return;
  }
  if (/^attachment/i.test(entity.headers.get('content-disposition') ?? '')) return;
  const decoded = decodeBody(entity);
  if (entity.type === 'text/plain' && !bodies.text) bodies.text = decoded;
  if (entity.type === 'text/html' && !bodies.html) bodies.html = decoded;
}

function decodeBody(entity: Entity): string {
  const charset = entity.params['charset'] ?? 'utf-8';
  const encoding = (entity.headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'base64')
    return decodeBuffer(Buffer.from(entity.body.replace(/\s+/g, ''), 'base64'), charset);
  if (encoding === 'quoted-printable') return decodeBuffer(quotedPrintable(entity.body), charset);
  return decodeBytes(entity.body, charset);
}

function quotedPrintable(text: string): Buffer {
  const softBreaksRemoved = text.replace(/[ \t]+(?=\r?\n)/g, '').replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < softBreaksRemoved.length; i++) {
    const hex = softBreaksRemoved.slice(i + 1, i + 3);
    if (softBreaksRemoved[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(softBreaksRemoved.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** `=?UTF-8?Q?Caf=C3=A9?=` and `=?utf-8?B?...?=` words; the space between two encoded words goes. */
function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?[^?]+\?[BbQq]\?[^?]*\?=)/g, '$1')
    .replace(
      /=\?([^?*]+)(?:\*[^?]*)?\?([BbQq])\?([^?]*)\?=/g,
      (_word, charset: string, kind: string, text: string) =>
        kind.toUpperCase() === 'B'
          ? decodeBuffer(Buffer.from(text, 'base64'), charset)
          : decodeBuffer(quotedPrintable(text.replace(/_/g, ' ')), charset),
    );
}

/** Text held one byte per character (Latin-1) re-read in its real charset. */
function decodeBytes(text: string, charset: string): string {
  return decodeBuffer(Buffer.from(text, 'latin1'), charset);
}

function decodeBuffer(buffer: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset.trim().toLowerCase()).decode(buffer);
  } catch {
    return new TextDecoder('utf-8').decode(buffer);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
