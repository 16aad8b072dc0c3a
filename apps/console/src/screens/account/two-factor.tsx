import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import { useSubmit } from '../../api/hooks';
import { session } from '../../api/session';
import type { TotpEnrolmentResponse } from '../../api/schema.gen';
import {
  CodeBlock,
  CopyButton,
  Field,
  FormError,
  Notice,
  PageHeader,
  SubmitButton,
} from '../../components/ui';
import { useWorkspace } from '../../workspace';
import './two-factor.css';

// Two-factor sign-in with an authenticator app: enrol (QR code or the secret typed in), confirm with a
// first code, then the recovery codes, which the API shows this once only. Turning it off needs the
// password and a code, so a stolen session alone cannot remove it.

export default function TwoFactor() {
  const { me, setMe } = useWorkspace();
  const [enrolment, setEnrolment] = useState<TotpEnrolmentResponse | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const start = useSubmit(async () => {
    setNotice(null);
    setEnrolment(await api('POST /v1/me/mfa/totp', {}));
  });

  if (recoveryCodes) {
    return (
      <>
        <PageHeader title="Two-factor sign-in" />
        <RecoveryCodes
          codes={recoveryCodes}
          onDone={() => {
            setRecoveryCodes(null);
            setNotice('Two-factor sign-in is on. Keep your recovery codes somewhere safe.');
          }}
        />
      </>
    );
  }

  return (
    <>
      <PageHeader title="Two-factor sign-in" />
      {notice && <Notice tone="success">{notice}</Notice>}
      <p data-testid="mfa-status">
        Status:{' '}
        {me.mfaEnabled ? (
          <span className="badge badge-success">on</span>
        ) : (
          <span className="badge badge-danger">off</span>
        )}
      </p>
      {me.mfaEnabled ? (
        <>
          <p className="muted">
            Signing in asks for a code from your authenticator app after your password, or one of your
            recovery codes if you lose the device.
          </p>
          <RegenerateCodes onCodes={setRecoveryCodes} />
          <Disable
            onDisabled={() => {
              setMe({ ...me, mfaEnabled: false });
              setNotice('Two-factor sign-in is off.');
            }}
          />
        </>
      ) : enrolment ? (
        <Enrol
          enrolment={enrolment}
          restart={() => void start.run()}
          restartError={start.error}
          onConfirmed={(codes) => {
            setEnrolment(null);
            setRecoveryCodes(codes);
            setMe({ ...me, mfaEnabled: true });
          }}
        />
      ) : (
        <section aria-labelledby="enrol-heading">
          <h2 id="enrol-heading">Protect your account</h2>
          <p>
            After your password, signing in will also ask for a six-digit code from an authenticator app on
            your phone (Google Authenticator, 1Password, Authy, Microsoft Authenticator…).
          </p>
          <FormError error={start.error} />
          <button
            type="button"
            className="primary"
            disabled={start.busy}
            aria-busy={start.busy || undefined}
            onClick={() => void start.run()}
          >
            {start.busy ? 'Working…' : 'Set up two-factor sign-in'}
          </button>
        </section>
      )}
    </>
  );
}

function Enrol({
  enrolment,
  restart,
  restartError,
  onConfirmed,
}: {
  enrolment: TotpEnrolmentResponse;
  restart: () => void;
  restartError: unknown;
  onConfirmed: (codes: string[]) => void;
}) {
  const [code, setCode] = useState('');
  const confirm = useSubmit(async () => {
    const answer = await api('POST /v1/me/mfa/totp/confirm', { body: { code: code.trim() } });
    // The access token says whether two factors are on (organisations that require them read it):
    // a fresh one carries the change now rather than at the next refresh.
    await session.refresh();
    onConfirmed(answer.recoveryCodes);
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void confirm.run();
  };
  return (
    <section aria-labelledby="enrol-heading">
      <h2 id="enrol-heading">Set up your authenticator app</h2>
      <ol className="steps">
        <li>
          <p>Scan this QR code with the app:</p>
          <img
            className="qr"
            src={enrolment.qr}
            alt="QR code to add Northstar to your authenticator app"
            width={200}
            height={200}
          />
        </li>
        <li>
          <p>Or, if you cannot scan it, type this key into the app (time-based, 6 digits):</p>
          <CodeBlock code={enrolment.secret} label="Secret key" testId="totp-secret" />
        </li>
        <li>
          <p>Enter the code the app shows to finish.</p>
          <form onSubmit={onSubmit} noValidate>
            <FormError error={confirm.error ?? restartError} />
            <Field
              label="Code from your authenticator app"
              name="code"
              autoComplete="one-time-code"
              inputMode="numeric"
              required
              value={code}
              onChange={(e) => setCode(e.target.value)}
              error={confirm.error}
            />
            <div className="actions">
              <SubmitButton busy={confirm.busy}>Turn on two-factor sign-in</SubmitButton>
              <button type="button" className="link" onClick={restart}>
                Start again with a new key
              </button>
            </div>
          </form>
        </li>
      </ol>
    </section>
  );
}

/** The codes, shown once: copy, download, and an explicit acknowledgement before they go away. */
function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const [saved, setSaved] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  // The form that asked for them is gone: keyboard and screen reader users start at the codes.
  useEffect(() => heading.current?.focus(), []);
  const text = codes.join('\n') + '\n';
  const download = `data:text/plain;charset=utf-8,${encodeURIComponent(text)}`;
  return (
    <section aria-labelledby="recovery-heading">
      <h2 id="recovery-heading" ref={heading} tabIndex={-1}>
        Your recovery codes
      </h2>
      <Notice tone="warning">
        Save these codes now: this is the only time they are shown. Each one signs you in once if you lose
        your authenticator app.
      </Notice>
      <ul className="recovery-codes" data-testid="recovery-codes" aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <div className="actions">
        <CopyButton text={text} label="Copy the codes" />
        <a className="button" href={download} download="northstar-recovery-codes.txt">
          Download as text
        </a>
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={saved} onChange={(e) => setSaved(e.target.checked)} />I have saved my
        recovery codes somewhere safe
      </label>
      <button type="button" className="primary" disabled={!saved} onClick={onDone}>
        Done
      </button>
    </section>
  );
}

function RegenerateCodes({ onCodes }: { onCodes: (codes: string[]) => void }) {
  const [code, setCode] = useState('');
  const regenerate = useSubmit(async () => {
    const answer = await api('POST /v1/me/mfa/recovery-codes', { body: { code: code.trim() } });
    setCode('');
    onCodes(answer.recoveryCodes);
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void regenerate.run();
  };
  return (
    <section aria-labelledby="regenerate-heading">
      <h2 id="regenerate-heading">New recovery codes</h2>
      <p className="muted">Used some, or lost them? New codes replace all the old ones.</p>
      <form onSubmit={onSubmit} noValidate>
        <FormError error={regenerate.error} />
        <Field
          label="Code from your authenticator app"
          name="code"
          autoComplete="one-time-code"
          inputMode="numeric"
          required
          value={code}
          onChange={(e) => setCode(e.target.value)}
          error={regenerate.error}
        />
        <SubmitButton busy={regenerate.busy}>Make new recovery codes</SubmitButton>
      </form>
    </section>
  );
}

function Disable({ onDisabled }: { onDisabled: () => void }) {
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const disable = useSubmit(async () => {
    await api('DELETE /v1/me/mfa/totp', { body: { password, code: code.trim() } });
    await session.refresh();
    setPassword('');
    setCode('');
    onDisabled();
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void disable.run();
  };
  return (
    <section aria-labelledby="disable-heading" className="danger-zone">
      <h2 id="disable-heading">Turn off two-factor sign-in</h2>
      <p className="muted">
        Your password alone will sign you in again. Organisations that require two factors will refuse you.
      </p>
      <form onSubmit={onSubmit} noValidate>
        <FormError error={disable.error} />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={disable.error}
        />
        <Field
          label="Code from your authenticator app"
          name="code"
          autoComplete="one-time-code"
          inputMode="numeric"
          required
          value={code}
          onChange={(e) => setCode(e.target.value)}
          error={disable.error}
        />
        <SubmitButton busy={disable.busy} className="danger">
          Turn off
        </SubmitButton>
      </form>
    </section>
  );
}
