// When the vendor refuses a request in a way that sending it again mends. One
// table: when each rule applies, how often one call may use it, and what is
// done before the repeat. Any other refusal ends the call. (Repeats after a
// dropped connection or a 5xx are the transport's, for reads only.)
import type { OpenApiError } from './errors';
import { isClockRefusal, type PlatformAdapter } from './platforms/platform';

/** A refused request, as the rules look at it. */
export interface Refusal {
  error: OpenApiError;
  adapter: PlatformAdapter;
  /** When the request was signed (our clock), to tell whether the clock was off then. */
  signedAt: number;
  /** The request carried the session's token. */
  withToken: boolean;
}

/**
 * What is done before the repeat: `slow down` paces the account (the wait
 * counts against the call's deadline); `new token` drops the refused token
 * and waits for one obtained after the refusal; `as it is` signs again (the
 * clock was already corrected from the answer's Date header).
 */
export type Remedy = 'slow down' | 'new token' | 'as it is';

export interface RetryRule {
  name: string;
  applies(refusal: Refusal): boolean;
  /** Repeats one call may make under this rule. */
  times: number;
  remedy: Remedy;
}

/** Repeats after "too frequent" in one call: each waits for the slowed pace, so the deadline ends them first. */
export const MAX_TOO_FREQUENT_REPEATS = 30;

export const RETRY_RULES: readonly RetryRule[] = [
  // A refusal without action: read or write, it may be sent again.
  { name: 'too frequent', applies: (r) => r.adapter.isTooFrequent(r.error), times: MAX_TOO_FREQUENT_REPEATS, remedy: 'slow down' },
  { name: 'token refused', applies: (r) => r.withToken && r.adapter.isTokenRejected(r.error), times: 1, remedy: 'new token' },
  { name: 'clock refused', applies: (r) => isClockRefusal(r.error, r.adapter, r.signedAt), times: 1, remedy: 'as it is' },
];

/** The repeats one call has made: the rule for the next refusal while it has repeats left. */
export class RetryBudget {
  private readonly used = new Map<RetryRule, number>();

  next(refusal: Refusal): RetryRule | undefined {
    const rule = RETRY_RULES.find((r) => r.applies(refusal));
    if (!rule) return undefined;
    const used = this.used.get(rule) ?? 0;
    if (used >= rule.times) return undefined;
    this.used.set(rule, used + 1);
    return rule;
  }
}
