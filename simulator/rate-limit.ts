// A per-account rate limit, as the vendors' gateways enforce one: each
// account (Quectel SaaS AccessKey, Quectel App user, On-Bright client,
// NovaStar pId) has a token bucket; a call that finds it empty is refused the
// vendor's way and does nothing. Only calls made with a valid token (or, for
// NovaStar, the known pId) are counted: logins and refreshes are not, and a
// call the server would refuse anyway is not the account's.

/** The four platforms, as the rate limit counts them. */
export type ApiPlatform = 'quectel-app' | 'quectel-saas' | 'onbright' | 'novastar';

export interface RateLimit {
  /** Calls a second each account may make, on average. */
  perSecond: number;
  /** Calls an idle account may make at once (the bucket's size); default perSecond, at least 1. */
  burst?: number;
}

/** Quectel SaaS's code for "too frequent" (saasDevelop-errorCode, device management table). */
export const SAAS_TOO_FREQUENT = 61007;
export const SAAS_TOO_FREQUENT_TEXT = 'Frequency of transmitted device messages reached the upper limit.';

/** Call times kept per account: enough for a few minutes of any test's pace. */
const MAX_CALL_TIMES = 20_000;

export function checkRateLimit(limit: RateLimit | number | undefined): RateLimit | undefined {
  if (limit === undefined) return undefined;
  const value = typeof limit === 'number' ? { perSecond: limit } : limit;
  if (!(Number.isFinite(value.perSecond) && value.perSecond > 0)) throw new TypeError(`perSecond must be a positive number, got ${value.perSecond}`);
  if (value.burst !== undefined && !(Number.isFinite(value.burst) && value.burst >= 1)) throw new TypeError(`burst must be at least 1, got ${value.burst}`);
  return { perSecond: value.perSecond, burst: value.burst };
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private limit?: RateLimit;
  private buckets = new Map<string, Bucket>();
  private times = new Map<string, number[]>();

  constructor(limit?: RateLimit | number) {
    this.set(limit);
  }

  get current(): RateLimit | undefined {
    return this.limit && { ...this.limit };
  }

  /** A new limit starts every account with a full bucket. */
  set(limit: RateLimit | number | undefined): void {
    this.limit = checkRateLimit(limit);
    this.buckets.clear();
  }

  /**
   * One call of `account` ("<platform>:<subject>") at real time `now`: undefined
   * when it may go ahead (and its time is kept), else the seconds to wait.
   */
  take(account: string, now: number): number | undefined {
    if (this.limit) {
      const { perSecond } = this.limit;
      const size = Math.max(1, this.limit.burst ?? perSecond);
      const bucket = this.buckets.get(account) ?? { tokens: size, at: now };
      bucket.tokens = Math.min(size, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
      bucket.at = now;
      this.buckets.set(account, bucket);
      if (bucket.tokens < 1) return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
      bucket.tokens -= 1;
    }
    let list = this.times.get(account);
    if (!list) this.times.set(account, (list = []));
    list.push(now);
    if (list.length > MAX_CALL_TIMES) list.splice(0, list.length - MAX_CALL_TIMES);
    return undefined;
  }

  /** Real-time milliseconds of the calls let through, of one account or (subject omitted) of every account of the platform, in order. */
  callTimes(platform: ApiPlatform, subject?: string, since = 0): number[] {
    const out: number[] = [];
    for (const [key, list] of this.times) {
      if (subject === undefined ? key.startsWith(`${platform}:`) : key === `${platform}:${subject}`) out.push(...list.filter((t) => t >= since));
    }
    return out.sort((a, b) => a - b);
  }

  /** Buckets and call times forgotten; the limit back to `limit`. */
  reset(limit: RateLimit | number | undefined): void {
    this.set(limit);
    this.times.clear();
  }
}

/**
 * Calls a second over the span from the first call let through to the last:
 * (n - 1) gaps over that time. NaN with fewer than two calls.
 */
export function rateOf(times: readonly number[]): number {
  if (times.length < 2) return NaN;
  const span = times[times.length - 1] - times[0];
  return span > 0 ? ((times.length - 1) * 1000) / span : Infinity;
}
