import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type CallOptions, type ResponseOf } from './client';
import type { Route } from './schema.gen';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Reads a route when the component shows and whenever `key` (the options, serialised) changes;
 * `null` options skip the call (a screen waiting for its organisation, say).
 */
export function useApi<R extends Route>(route: R, options: CallOptions<R> | null): Resource<ResponseOf<R>> {
  const [state, setState] = useState<{ data?: ResponseOf<R>; error?: unknown; loading: boolean }>({
    loading: options !== null,
  });
  const [version, setVersion] = useState(0);
  const key = options === null ? null : JSON.stringify({ ...options, signal: undefined });
  const optionsRef = useRef(options);
  optionsRef.current = options;

  useEffect(() => {
    if (key === null || optionsRef.current === null) return;
    const controller = new AbortController();
    setState((previous) => ({ data: previous.data, loading: true }));
    api(route, { ...optionsRef.current, signal: controller.signal }).then(
      (data) => setState({ data, loading: false }),
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ error, loading: false });
      },
    );
    return () => controller.abort();
  }, [route, key, version]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** A form submission's busy and error state around an async action. */
export function useSubmit<A extends unknown[]>(action: (...args: A) => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(
    async (...args: A) => {
      setBusy(true);
      setError(null);
      try {
        await action(...args);
      } catch (caught) {
        setError(caught);
      } finally {
        setBusy(false);
      }
    },
    [action],
  );
  return { busy, error, run, setError };
}
