// Pacing: an account sends at most `rate` requests a second, spaced evenly
// (a token bucket holding one token: no burst). Calls beyond the rate wait in
// a bounded FIFO queue; a call that finds the queue full fails at once with
// RATE_LIMITED and sends nothing. With Redis the bucket is shared by every
// instance of the account (one Lua script takes a token or says how long to
// wait, on Redis's own clock); without it, or while Redis is unreachable,
// each instance keeps its own. A vendor's "too frequent" answer slows the
// account down: a pause as long as its Retry-After, or else half the rate
// for a minute (a pause of a second when no rate is set).
import { ErrorCodes, OpenApiError, invalidInput } from './errors';
import { KEY_PREFIX, type RedisLink } from './redis-link';

/** Calls that may wait for the rate at once, unless the account says otherwise. */
export const DEFAULT_RATE_QUEUE = 100;
/** How long a slowed-down rate lasts after the vendor's last "too frequent". */
export const SLOW_FOR_MS = 60_000;
/** The pause after a "too frequent" answer when no rate is set and the vendor gives no Retry-After. */
export const UNLIMITED_PAUSE_MS = 1000;
/** The longest pause taken from a vendor's Retry-After. */
export const MAX_PAUSE_MS = 60_000;
/** Halving stops at a sixteenth of the rate. */
const MAX_SLOWDOWN = 16;
const BUCKET_TTL_MS = 2 * SLOW_FOR_MS;

export interface PacingOptions {
  /** Requests a second; 0 or undefined: no limit. */
  rate?: number;
  /** Most calls waiting; default DEFAULT_RATE_QUEUE. */
  queue?: number;
  /** Share the bucket through Redis under this account key. */
  shared?: { link: RedisLink; id: string };
}

/** Checks a rate (requests a second: 0 = none, at most 10,000) and a queue length (0 to 100,000). */
export function checkPacing(rate: unknown, queue: unknown): { rate: number; queue: number } {
  const r = rate === undefined || rate === null || rate === '' ? 0 : Number(rate);
  if (!Number.isFinite(r) || r < 0 || r > 10_000) throw invalidInput('rateLimit', 'range', { min: 0, max: 10_000 });
  const q = queue === undefined || queue === null || queue === '' ? DEFAULT_RATE_QUEUE : Number(queue);
  if (!Number.isInteger(q) || q < 0 || q > 100_000) throw invalidInput('rateQueue', 'range', { min: 0, max: 100_000 });
  return { rate: r, queue: q };
}

/**
 * The shared bucket: fields tokens, ts (ms), pause (ms: nothing before it),
 * slow (divisor of the rate) and slowUntil. ARGV: op (take | pause | slow),
 * rate, the op's ms, the key's TTL. Returns the wait in ms (0: taken).
 */
const BUCKET = `if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local h = redis.call('HMGET', KEYS[1], 'tokens', 'ts', 'pause', 'slow', 'slowUntil')
local tokens = tonumber(h[1]) or 1
local ts = tonumber(h[2]) or now
local pause = tonumber(h[3]) or 0
local slow = tonumber(h[4]) or 1
local slowUntil = tonumber(h[5]) or 0
if slowUntil <= now then slow = 1 end
local rate = tonumber(ARGV[2])
if rate > 0 and now > ts then tokens = math.min(1, tokens + (now - ts) * rate / slow / 1000) end
ts = now
local wait = 0
if ARGV[1] == 'pause' then
  pause = math.max(pause, now + tonumber(ARGV[3]))
elseif ARGV[1] == 'slow' then
  slow = math.min(${MAX_SLOWDOWN}, slow * 2)
  slowUntil = now + tonumber(ARGV[3])
  tokens = math.min(tokens, 0)
elseif pause > now then
  wait = pause - now
elseif rate > 0 then
  if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * 1000 * slow / rate) end
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts), 'pause', tostring(pause), 'slow', tostring(slow), 'slowUntil', tostring(slowUntil))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return wait`;

/** The same bucket in this process's memory. */
class LocalBucket {
  private tokens = 1;
  private ts = Date.now();
  private pause = 0;
  private slow = 1;
  private slowUntil = 0;

  /** 0 when a token was taken, else the ms to wait before asking again. */
  take(rate: number): number {
    const now = this.refill(rate);
    if (this.pause > now) return this.pause - now;
    if (rate <= 0) return 0;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - this.tokens) * 1000 * this.slow) / rate));
  }

  pauseFor(rate: number, ms: number): void {
    const now = this.refill(rate);
    this.pause = Math.max(this.pause, now + ms);
  }

  slowDown(rate: number): void {
    const now = this.refill(rate);
    this.slow = Math.min(MAX_SLOWDOWN, this.slow * 2);
    this.slowUntil = now + SLOW_FOR_MS;
    this.tokens = Math.min(this.tokens, 0);
  }

  private refill(rate: number): number {
    const now = Date.now();
    if (this.slowUntil <= now) this.slow = 1;
    if (rate > 0 && now > this.ts) this.tokens = Math.min(1, this.tokens + ((now - this.ts) * rate) / this.slow / 1000);
    this.ts = now;
    return now;
  }
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
  done: boolean;
}

export class Pacer {
  readonly rate: number;
  readonly queueLimit: number;
  private readonly local = new LocalBucket();
  private readonly shared?: { link: RedisLink; key: string };
  private readonly queue: Waiter[] = [];
  private pumping = false;
  private closed = false;
  private wake?: () => void;

  constructor(options: PacingOptions = {}) {
    const { rate, queue } = checkPacing(options.rate, options.queue);
    this.rate = rate;
    this.queueLimit = queue;
    if (options.shared) this.shared = { link: options.shared.link, key: `${KEY_PREFIX}rate:${options.shared.id}` };
  }

  /** Calls waiting for the rate now. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves when a request may be sent; RATE_LIMITED when the queue is full; `signal` (the call's deadline) ends the wait. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.reject(new OpenApiError(ErrorCodes.ECANCELED, 'the account is closed'));
    if (signal?.aborted) return Promise.reject(new OpenApiError(ErrorCodes.ETIMEDOUT, 'the call ran out of time waiting for the rate limit', { retryable: true }));
    // Nobody waiting and nothing shared to ask: the local bucket answers at once.
    if (this.queue.length === 0 && !this.pumping && !this.sharing() && this.local.take(this.rate) === 0) return Promise.resolve();
    if (this.queue.length >= this.queueLimit) return Promise.reject(rateLimited(this.queueLimit));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        done: false,
        resolve: () => {
          if (waiter.done) return;
          waiter.done = true;
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (err) => {
          if (waiter.done) return;
          waiter.done = true;
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      const onAbort = () => {
        const at = this.queue.indexOf(waiter);
        if (at >= 0) this.queue.splice(at, 1);
        waiter.reject(new OpenApiError(ErrorCodes.ETIMEDOUT, 'the call ran out of time waiting for the rate limit', { retryable: true }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
      this.pump().catch(() => undefined);
    });
  }

  /**
   * The vendor said "too frequent": pause for its Retry-After, else halve the
   * rate for a while (else, with no rate set, pause a second).
   */
  slowDown(retryAfterMs?: number): void {
    let op: ['pause' | 'slow', number];
    if (retryAfterMs !== undefined && retryAfterMs > 0) op = ['pause', Math.min(MAX_PAUSE_MS, retryAfterMs)];
    else if (this.rate > 0) op = ['slow', SLOW_FOR_MS];
    else op = ['pause', UNLIMITED_PAUSE_MS];
    if (op[0] === 'pause') this.local.pauseFor(this.rate, op[1]);
    else this.local.slowDown(this.rate);
    // Commands on one connection run in order: the next take sees this.
    if (this.sharing()) this.shared!.link.eval(BUCKET, [this.shared!.key], [op[0], this.rate, op[1], BUCKET_TTL_MS]).catch(() => undefined);
  }

  /** Every waiting call fails with ECANCELED. */
  close(): void {
    this.closed = true;
    for (const waiter of this.queue.splice(0)) waiter.reject(new OpenApiError(ErrorCodes.ECANCELED, 'the account was closed before the call was sent'));
    this.wake?.();
  }

  /** Shared only with a rate: without one nothing would be asked of Redis but a rare pause. */
  private sharing(): boolean {
    return this.shared !== undefined && this.rate > 0 && this.shared.link.usable;
  }

  /** 0 when a token was taken (in Redis, or locally when Redis fails), else the ms to wait. */
  private async take(): Promise<number> {
    if (this.sharing()) {
      try {
        return Number(await this.shared!.link.eval(BUCKET, [this.shared!.key], ['take', this.rate, 0, BUCKET_TTL_MS])) || 0;
      } catch {
        // Redis failed: this instance paces itself.
      }
    }
    return this.local.take(this.rate);
  }

  /** Lets the head of the queue go whenever the bucket has a token. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const wait = await this.take();
        if (wait <= 0) {
          // The head may have given up meanwhile: the token goes to whoever is first now.
          this.queue.shift()?.resolve();
          continue;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, wait);
          function done() {
            clearTimeout(timer);
            resolve();
          }
          this.wake = done;
        });
        this.wake = undefined;
      }
    } finally {
      this.pumping = false;
    }
  }
}

function rateLimited(queue: number): OpenApiError {
  return new OpenApiError(ErrorCodes.RATE_LIMITED, `not sent: ${queue} calls already wait for the account's rate limit`, {
    reason: 'rateLimited',
    limits: { queue },
  });
}
