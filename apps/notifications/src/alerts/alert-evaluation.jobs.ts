/** The BullMQ queue of scheduled alert evaluations. Names and payloads below; do not rename values. */
export const ALERT_EVALUATION_QUEUE = 'alert-evaluation';

export enum AlertEvaluationJobName {
  Evaluate = 'evaluate',
}

/** The payload of an evaluation: which alert, and its tenant (every read is scoped by it). */
export interface EvaluateAlertJob {
  alertId: string;
  orgId: string;
}

/** Attempts of one evaluation: analytics unavailable for a moment should not skip a check. */
export const EVALUATION_ATTEMPTS = 3;
export const EVALUATION_RETRY_DELAY_MS = 1000;
