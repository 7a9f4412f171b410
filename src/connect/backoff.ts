/**
 * How long to wait before reconnecting a lost stream. Pure: the driver counts attempts.
 * Doubling from 250 ms up to 8 s: an API server that restarts is usually back within seconds, and
 * one that is gone for longer is not hammered.
 */
export const BACKOFF = {firstMs: 250, maxMs: 8000, resetAfterMs: 10_000}

/** The wait before attempt `attempt` (1 is the first retry). */
export function backoffDelay(attempt: number): number {
  return Math.min(BACKOFF.maxMs, BACKOFF.firstMs * 2 ** Math.max(0, attempt - 1))
}

/** A stream that stayed up long enough earns a fresh start; one that keeps dropping keeps backing off. */
export function nextAttempt(previous: number, upForMs: number): number {
  return upForMs >= BACKOFF.resetAfterMs ? 1 : previous + 1
}
