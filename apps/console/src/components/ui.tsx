import {
  useEffect,
  useId,
  useRef,
  useState,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
} from 'react';
import { ApiError } from '../api/client';
import { Link } from '../router';

// The console's building blocks: state views (loading, empty, error) and labelled form controls whose
// errors are tied to them for screen readers.

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <p className="state-title">{title}</p>
      {children}
    </div>
  );
}

/** An error in place of content, with a retry when the caller gives one. */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const problem = error instanceof ApiError ? error : null;
  // The one refusal the user can fix alone: an organisation requiring two factors they have not set up.
  // The API's detail speaks to API clients (the route to call), so the console says it its own way.
  if (problem?.code === 'mfa-required') {
    return (
      <div className="state state-error" role="alert" data-problem="mfa-required">
        <p className="state-title">This organisation requires two-factor sign-in</p>
        <p>
          Its owner asks every member to sign in with a second factor.{' '}
          <Link href="/account/two-factor">Set up two-factor sign-in</Link> in your account, then come back to
          this page.
        </p>
      </div>
    );
  }
  return (
    <div className="state state-error" role="alert">
      <p className="state-title">{problem?.status === 404 ? 'Not found' : 'Something went wrong'}</p>
      <p>{problem ? problem.detail : error instanceof Error ? error.message : String(error)}</p>
      {problem?.requestId && <p className="muted small">Request id: {problem.requestId}</p>}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** The problem of a failed form submission, above the form; field errors go beside their fields. */
export function FormError({ error }: { error: unknown }) {
  if (!error) return null;
  const problem = error instanceof ApiError ? error : null;
  return (
    <div className="form-error" role="alert">
      {problem ? problem.detail : error instanceof Error ? error.message : String(error)}
    </div>
  );
}

export function Notice({
  children,
  tone = 'info',
}: {
  children: ReactNode;
  tone?: 'info' | 'success' | 'warning';
}) {
  return (
    <div className={`notice notice-${tone}`} role="status">
      {children}
    </div>
  );
}

type FieldProps = InputHTMLAttributes<HTMLInputElement> & {
  label: string;
  /** The API's field name, to show its message from a 400's `errors`. */
  name: string;
  error?: unknown;
  hint?: ReactNode;
};

/** A labelled input; a field error from the API is announced and linked with aria-describedby. */
export function Field({ label, name, error, hint, id, ...input }: FieldProps) {
  const generated = useId();
  const inputId = id ?? `${generated}-${name}`;
  const message = error instanceof ApiError ? error.fieldError(name) : undefined;
  const described = [hint ? `${inputId}-hint` : '', message ? `${inputId}-error` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className="field">
      <label htmlFor={inputId}>{label}</label>
      <input
        id={inputId}
        name={name}
        aria-invalid={message ? true : undefined}
        aria-describedby={described || undefined}
        {...input}
      />
      {hint && (
        <p className="hint" id={`${inputId}-hint`}>
          {hint}
        </p>
      )}
      {message && (
        <p className="field-error" id={`${inputId}-error`}>
          {message}
        </p>
      )}
    </div>
  );
}

type SelectProps = SelectHTMLAttributes<HTMLSelectElement> & {
  label: string;
  name: string;
  error?: unknown;
  options: readonly { value: string; label: string }[];
};

export function SelectField({ label, name, error, options, id, ...select }: SelectProps) {
  const generated = useId();
  const selectId = id ?? `${generated}-${name}`;
  const message = error instanceof ApiError ? error.fieldError(name) : undefined;
  return (
    <div className="field">
      <label htmlFor={selectId}>{label}</label>
      <select
        id={selectId}
        name={name}
        aria-invalid={message ? true : undefined}
        aria-describedby={message ? `${selectId}-error` : undefined}
        {...select}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {message && (
        <p className="field-error" id={`${selectId}-error`}>
          {message}
        </p>
      )}
    </div>
  );
}

export function SubmitButton({
  busy,
  children,
  className,
}: {
  busy: boolean;
  children: ReactNode;
  className?: string;
}) {
  return (
    <button type="submit" className={className ?? 'primary'} disabled={busy} aria-busy={busy || undefined}>
      {busy ? 'Working…' : children}
    </button>
  );
}

/** Copies text to the clipboard and says so; falls back to selecting a hidden field's text. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.style.position = 'fixed';
      area.style.opacity = '0';
      document.body.appendChild(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    setCopied(true);
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setCopied(false), 2000);
  };
  return (
    <button type="button" className="copy" onClick={copy} aria-live="polite">
      {copied ? 'Copied' : label}
    </button>
  );
}

/** A secret or a snippet in a monospace block with its copy button. */
export function CodeBlock({ code, label, testId }: { code: string; label: string; testId?: string }) {
  return (
    <figure className="code">
      <figcaption>
        <span>{label}</span>
        <CopyButton text={code} label={`Copy ${label.toLowerCase()}`} />
      </figcaption>
      <pre tabIndex={0} data-testid={testId}>
        <code>{code}</code>
      </pre>
    </figure>
  );
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <header className="page-header">
      <h1>{title}</h1>
      {children && <div className="page-actions">{children}</div>}
    </header>
  );
}
