import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client';
import type { CreateKeyBody } from '../../api/schema.gen';
import { Field, FormError, SubmitButton } from '../../components/ui';

export type Scope = CreateKeyBody['scopes'][number];
export const SCOPES: { value: Scope; label: string }[] = [
  { value: 'events:write', label: 'events:write: send events (SDKs, servers)' },
  { value: 'metrics:write', label: 'metrics:write: send custom metrics' },
  { value: 'analytics:read', label: 'analytics:read: query the analytics API' },
  { value: 'rpc', label: 'rpc: use the chain RPC endpoints' },
];

export interface KeySettings {
  name: string;
  scopes: Scope[];
  expiresAt: string | null;
  rateLimit: { limit: number; windowSeconds: number } | null;
  allowedOrigins: string[];
}

const toDateInput = (iso: string | null) => (iso ? iso.slice(0, 10) : '');

/** The editable settings of a key, for creating one or changing one. */
export function KeyForm({
  initial,
  submitLabel,
  busy,
  error,
  onSubmit,
}: {
  initial?: Partial<KeySettings>;
  submitLabel: string;
  busy: boolean;
  error: unknown;
  onSubmit: (settings: KeySettings) => void;
}) {
  const [name, setName] = useState(initial?.name ?? '');
  const [scopes, setScopes] = useState<Scope[]>(initial?.scopes ?? ['events:write']);
  const [expires, setExpires] = useState(toDateInput(initial?.expiresAt ?? null));
  const [limit, setLimit] = useState(initial?.rateLimit ? String(initial.rateLimit.limit) : '');
  const [windowSeconds, setWindowSeconds] = useState(
    initial?.rateLimit ? String(initial.rateLimit.windowSeconds) : '60',
  );
  const [origins, setOrigins] = useState((initial?.allowedOrigins ?? []).join(', '));
  const [localError, setLocalError] = useState<unknown>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (scopes.length === 0) {
      setLocalError(
        new ApiError(400, {
          detail: 'Choose at least one scope.',
          errors: [{ field: 'scopes', message: 'Choose at least one scope' }],
        }),
      );
      return;
    }
    setLocalError(null);
    onSubmit({
      name,
      scopes,
      // The end of the chosen day, in UTC.
      expiresAt: expires ? new Date(`${expires}T23:59:59.000Z`).toISOString() : null,
      rateLimit: limit ? { limit: Number(limit), windowSeconds: Number(windowSeconds) || 60 } : null,
      allowedOrigins: origins
        .split(/[\s,]+/)
        .map((origin) => origin.trim())
        .filter(Boolean),
    });
  };
  const shown = localError ?? error;
  const scopeError = shown instanceof ApiError ? shown.fieldError('scopes') : undefined;

  return (
    <form onSubmit={submit} noValidate>
      <FormError error={shown} />
      <Field
        label="Key name"
        name="name"
        required
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={shown}
        hint="Where it is used, e.g. “Production web app”."
      />
      <fieldset aria-describedby={scopeError ? 'scopes-error' : undefined}>
        <legend>Scopes</legend>
        {SCOPES.map((scope) => (
          <label className="checkbox" key={scope.value}>
            <input
              type="checkbox"
              name="scopes"
              value={scope.value}
              checked={scopes.includes(scope.value)}
              onChange={(e) =>
                setScopes((current) =>
                  e.target.checked ? [...current, scope.value] : current.filter((s) => s !== scope.value),
                )
              }
            />
            {scope.label}
          </label>
        ))}
        {scopeError && (
          <p className="field-error" id="scopes-error">
            {scopeError}
          </p>
        )}
      </fieldset>
      <Field
        label="Expires on (optional)"
        name="expiresAt"
        type="date"
        value={expires}
        onChange={(e) => setExpires(e.target.value)}
        error={shown}
        hint="Empty: never expires."
      />
      <div className="row">
        <Field
          label="Rate limit (optional)"
          name="rateLimit.limit"
          type="number"
          min={1}
          inputMode="numeric"
          value={limit}
          onChange={(e) => setLimit(e.target.value)}
          error={shown}
          hint="Events or requests per window; empty: no limit."
        />
        <Field
          label="Window (seconds)"
          name="rateLimit.windowSeconds"
          type="number"
          min={1}
          inputMode="numeric"
          value={windowSeconds}
          onChange={(e) => setWindowSeconds(e.target.value)}
          error={shown}
        />
      </div>
      <Field
        label="Allowed origins (optional)"
        name="allowedOrigins"
        value={origins}
        onChange={(e) => setOrigins(e.target.value)}
        error={shown}
        hint="For browser keys: https://app.example.com, https://*.example.com. Empty: any."
      />
      <SubmitButton busy={busy}>{submitLabel}</SubmitButton>
    </form>
  );
}
