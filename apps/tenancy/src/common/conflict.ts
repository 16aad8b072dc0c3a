import { BusErrorCode, DomainException } from '@northstar/contracts';

export const isConflict = (error: unknown): boolean =>
  error instanceof DomainException && error.code === BusErrorCode.Conflict;

/** Attempts at a derived slug before giving up: each retry follows a concurrent insert of the same slug. */
export const SLUG_ATTEMPTS = 5;
