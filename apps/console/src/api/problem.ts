import type { FieldErrorDto } from './schema.gen';

/** An answer other than 2xx, from its problem+json body (API.md, "Errors"). */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  readonly errors: FieldErrorDto[];
  readonly requestId: string | undefined;

  constructor(status: number, problem: Partial<Record<string, unknown>>) {
    const detail = typeof problem['detail'] === 'string' ? problem['detail'] : '';
    const title = typeof problem['title'] === 'string' ? problem['title'] : `Request failed (${status})`;
    super(detail || title);
    this.name = 'ApiError';
    this.status = status;
    this.type = typeof problem['type'] === 'string' ? problem['type'] : 'about:blank';
    this.title = title;
    this.detail = detail || title;
    this.errors = Array.isArray(problem['errors']) ? (problem['errors'] as FieldErrorDto[]) : [];
    this.requestId = typeof problem['requestId'] === 'string' ? problem['requestId'] : undefined;
  }

  /** The suffix of the problem type, e.g. `email-not-verified`. */
  get code(): string {
    return this.type.split('/').pop() ?? this.type;
  }

  /** The message the API gave for one input field, if any. */
  fieldError(field: string): string | undefined {
    return this.errors.find((error) => error.field === field)?.message;
  }
}
