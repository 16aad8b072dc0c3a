import { parseMail } from '@northstar/testing';
import { readableEml } from './readable-eml';

const message = {
  from: 'Northstar <no-reply@northstar.local>',
  to: 'zoë@example.com',
  subject: 'Grace invited you to Café Zoë\r\nBcc: eve@example.com',
  text: 'Hi,\n\nOpen https://app.test/invitations/accept?token=abc%2Bdef-0123456789-0123456789-0123456789-0123456789\n',
  html: '<p>Hi,</p>',
  date: new Date('2026-11-23T10:00:00Z'),
};

describe('readableEml', () => {
  const eml = readableEml(message);

  it('keeps the link readable as written: no quoted-printable, no folded lines', () => {
    expect(eml).toContain(message.text);
    expect(eml).not.toContain('=3D');
  });

  it('is a MIME message a mail reader understands', () => {
    const parsed = parseMail(eml);
    expect(parsed.from).toBe(message.from);
    expect(parsed.headers['to']).toBe('zoë@example.com');
    expect(parsed.headers['date']).toBe('Mon, 23 Nov 2026 10:00:00 GMT');
    expect(parsed.text).toBe(message.text);
    expect(parsed.html).toBe(message.html);
  });

  it('cannot be given extra headers through a value', () => {
    const parsed = parseMail(eml);
    expect(parsed.subject).toBe('Grace invited you to Café Zoë Bcc: eve@example.com');
    expect(parsed.headers['bcc']).toBeUndefined();
  });
});
