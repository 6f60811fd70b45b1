// What the two Quectel APIs share: the answer envelope and the timestamp rule.
import { json, type Answer } from './http';

/** Timestamps may be this far from the server's clock, either way. */
export const TIMESTAMP_WINDOW_MS = 10 * 60_000;

export const TIMESTAMP_CODE = 5145;

/** Quectel's envelope: always HTTP 200, the outcome is in `code` (200 = success). */
export function quectelAnswer(code: number, msg: string, data: unknown = null): Answer {
  return json({ code, msg, data, extMsg: null });
}

/** A millisecond timestamp within the window of the server's clock. */
export function isFresh(ts: string, now: number): boolean {
  return /^\d{1,16}$/.test(ts) && Math.abs(Number(ts) - now) <= TIMESTAMP_WINDOW_MS;
}

/** Slices a list into one page (pages are 1-based). */
export function pageOf<T>(items: readonly T[], page: number, size: number): T[] {
  return items.slice((page - 1) * size, page * size);
}
