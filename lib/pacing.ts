// Pacing: an account sends at most `rate` requests a second, spaced evenly
// (a token bucket holding one token: no burst). Calls beyond the rate wait in
// a bounded FIFO queue; a call that finds the queue full fails at once with
// RATE_LIMITED and sends nothing. With Redis the bucket is shared by every
// instance of the account (one Lua script takes a token or says how long to
// wait, on Redis's own clock); without it, or while Redis is unreachable,
// each instance keeps its own. A vendor's "too frequent" answer slows the
// account down: a pause as long as its Retry-After, or else half the rate
// for a minute. With no rate set (and no Retry-After), the account is paced
// from then on at half of what it was sending, and the pace rises again step by step while the
// vendor stays content, until there is no limit again. No timer waits longer
// than a minute: a longer wait asks the bucket again.
import { ErrorCodes, OpenApiError, invalidInput } from './errors';
import { KEY_PREFIX, type RedisLink } from './redis-link';

/** Calls that may wait for the rate at once, unless the account says otherwise. */
export const DEFAULT_RATE_QUEUE = 100;
/** How long a slowed-down rate lasts after the vendor's last "too frequent". */
export const SLOW_FOR_MS = 60_000;
/**
 * With no rate set, "too frequent" answers closer together than this (or
 * than one interval of the pace) slow the account down only once: they answer
 * requests sent before the account slowed down.
 */
export const UNLIMITED_PAUSE_MS = 1000;
/** The longest pause taken from a vendor's Retry-After. */
export const MAX_PAUSE_MS = 60_000;
/** Halving stops at a sixteenth of the rate. */
const MAX_SLOWDOWN = 16;
/** The slowest rate an account may be given: one call an hour. */
export const MIN_RATE = 1 / 3600;
/** The fastest rate an account may be given. */
export const MAX_RATE = 10_000;
/** The most calls that may wait for their turn. */
export const MAX_RATE_QUEUE = 100_000;
/** The longest a waiting call sleeps before the bucket is asked again (also what is made of Redis's answer). */
export const MAX_WAIT_MS = 60_000;
/** With no rate set: the slowest pace "too frequent" answers bring the account to (one call a second). */
export const MIN_ADAPTIVE_RATE = 1;
/** With no rate set: after this long without "too frequent", the pace rises by a quarter. */
export const RECOVER_STEP_MS = 5_000;
const RECOVER_FACTOR = 1.25;
/** What the account sent is measured over the last second. */
const MEASURE_MS = 1000;
const BUCKET_TTL_MS = 2 * SLOW_FOR_MS;

export interface PacingOptions {
  /** Requests a second; 0 or undefined: no limit. */
  rate?: number;
  /** Most calls waiting; default DEFAULT_RATE_QUEUE. */
  queue?: number;
  /** Share the bucket through Redis under this account key. */
  shared?: { link: RedisLink; id: string };
}

/**
 * Checks a rate (requests a second: 0 = none, else one call an hour to
 * 10,000 a second) and a queue length (0 to 100,000).
 */
export function checkPacing(rate: unknown, queue: unknown): { rate: number; queue: number } {
  const r = rate === undefined || rate === null || rate === '' ? 0 : Number(rate);
  if (!Number.isFinite(r) || r < 0 || r > MAX_RATE || (r > 0 && r < MIN_RATE)) throw invalidInput('rateLimit', 'rateRange', { min: '1/3600', max: MAX_RATE });
  const q = queue === undefined || queue === null || queue === '' ? DEFAULT_RATE_QUEUE : Number(queue);
  if (!Number.isInteger(q) || q < 0 || q > MAX_RATE_QUEUE) throw invalidInput('rateQueue', 'range', { min: 0, max: MAX_RATE_QUEUE });
  return { rate: r, queue: q };
}

/**
 * The shared bucket: fields tokens, ts (ms), pause (ms: nothing before it),
 * slow (divisor of the rate), slowUntil and slowAt (the last halving: "too
 * frequent" answers within one interval of the slowed rate halve it once).
 * ARGV: op (take | pause | slow),
 * rate, the op's ms, the key's TTL. Returns the wait in ms (0: taken).
 */
const BUCKET = `if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local h = redis.call('HMGET', KEYS[1], 'tokens', 'ts', 'pause', 'slow', 'slowUntil', 'slowAt')
local tokens = tonumber(h[1]) or 1
local ts = tonumber(h[2]) or now
local pause = tonumber(h[3]) or 0
local slow = tonumber(h[4]) or 1
local slowUntil = tonumber(h[5]) or 0
local slowAt = tonumber(h[6]) or 0
if slowUntil <= now then slow = 1 end
local rate = tonumber(ARGV[2])
if rate > 0 and now > ts then tokens = math.min(1, tokens + (now - ts) * rate / slow / 1000) end
ts = now
local wait = 0
if ARGV[1] == 'pause' then
  pause = math.max(pause, now + tonumber(ARGV[3]))
elseif ARGV[1] == 'slow' then
  if rate <= 0 or now >= slowAt + math.ceil(1000 * slow / rate) then
    slow = math.min(${MAX_SLOWDOWN}, slow * 2)
    slowAt = now
  end
  slowUntil = now + tonumber(ARGV[3])
  tokens = math.min(tokens, 0)
elseif pause > now then
  wait = pause - now
elseif rate > 0 then
  if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * 1000 * slow / rate) end
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts), 'pause', tostring(pause), 'slow', tostring(slow), 'slowUntil', tostring(slowUntil), 'slowAt', tostring(slowAt))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return wait`;

/** The same bucket in this process's memory. */
class LocalBucket {
  private tokens = 1;
  private ts = Date.now();
  private pause = 0;
  private slow = 1;
  private slowUntil = 0;
  private slowAt = 0;

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

  /** Halves the rate for a while; answers to requests sent before the last halving do not halve it again. */
  slowDown(rate: number): void {
    const now = this.refill(rate);
    if (now >= this.slowAt + Math.ceil((1000 * this.slow) / rate)) {
      this.slow = Math.min(MAX_SLOWDOWN, this.slow * 2);
      this.slowAt = now;
    }
    this.slowUntil = now + SLOW_FOR_MS;
    this.tokens = Math.min(this.tokens, 0);
  }

  /** No token before the next interval of `rate`. */
  drain(rate: number): void {
    this.refill(rate);
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

/**
 * With no rate set: the pace "too frequent" answers bring the account to.
 * The first halves what the account sent in the last second; the pace then
 * rises by a quarter every RECOVER_STEP_MS without another, and once it is
 * back at what was sent before, there is no limit again.
 */
class AdaptivePace {
  /** When calls were let through, over the last MEASURE_MS. */
  private readonly sent: number[] = [];
  /** The rate after the last halving; 0: not paced. */
  private lowered = 0;
  private loweredAt = 0;
  /** What the account sent before it was first slowed down. */
  private ceiling = 0;

  /** The pace now, in requests a second; 0: none. */
  rate(now: number): number {
    if (this.lowered <= 0) return 0;
    const steps = Math.floor(Math.max(0, now - this.loweredAt) / RECOVER_STEP_MS);
    const rate = this.lowered * RECOVER_FACTOR ** steps;
    if (rate < this.ceiling) return rate;
    this.lowered = 0;
    return 0;
  }

  /** A call was let through at `now`. */
  note(now: number): void {
    this.sent.push(now);
    this.forget(now);
  }

  /** "Too frequent" at `now`: true when the pace was lowered, false when an answer to an earlier request had already done so. */
  tooFrequent(now: number): boolean {
    const current = this.rate(now);
    if (current > 0 && now - this.loweredAt < Math.max(UNLIMITED_PAUSE_MS, 1000 / current)) return false;
    this.forget(now);
    const achieved = (Math.max(1, this.sent.length) * 1000) / MEASURE_MS;
    // Back to no limit once the pace is above what was sent (and above the slowest pace, so that a lone refusal still paces for a while).
    if (current === 0) this.ceiling = Math.max(achieved, 2 * MIN_ADAPTIVE_RATE);
    this.lowered = Math.max(MIN_ADAPTIVE_RATE, Math.min(current || achieved, achieved) / 2);
    this.loweredAt = now;
    return true;
  }

  private forget(now: number): void {
    let old = 0;
    while (old < this.sent.length && this.sent[old] <= now - MEASURE_MS) old++;
    // Bounded whatever the pace: a second of calls at the highest rate.
    old = Math.max(old, this.sent.length - MAX_RATE);
    if (old > 0) this.sent.splice(0, old);
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
  private readonly adaptive = new AdaptivePace();
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

  /** The rate calls go at now: the account's, else the pace after "too frequent" answers; 0: none. */
  get pace(): number {
    return this.rate > 0 ? this.rate : this.adaptive.rate(Date.now());
  }

  /** Resolves when a request may be sent; RATE_LIMITED when the queue is full; `signal` (the call's deadline) ends the wait. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.reject(new OpenApiError(ErrorCodes.ECANCELED, 'the account is closed'));
    if (signal?.aborted) return Promise.reject(outOfTime());
    // Nobody waiting and nothing shared to ask: the local bucket answers at once.
    if (this.queue.length === 0 && !this.pumping && !this.sharing() && this.local.take(this.pace) === 0) {
      this.sent();
      return Promise.resolve();
    }
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
        waiter.reject(outOfTime());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
      this.pump().catch(() => undefined);
    });
  }

  /**
   * The vendor said "too frequent": pause for its Retry-After; with a rate
   * set, also halve it for a while; with none, pace the account (see
   * AdaptivePace). Safe to call for every refused request of a burst: the
   * answers to requests sent before the account slowed down count once.
   */
  slowDown(retryAfterMs?: number): void {
    const pause = retryAfterMs !== undefined && retryAfterMs > 0 ? Math.min(MAX_PAUSE_MS, retryAfterMs) : 0;
    if (this.rate <= 0) {
      // The vendor said when: that is the pause. Else the account is paced.
      if (pause > 0) this.local.pauseFor(0, pause);
      else if (this.adaptive.tooFrequent(Date.now())) this.local.drain(this.pace);
      return;
    }
    const op: ['pause' | 'slow', number] = pause > 0 ? ['pause', pause] : ['slow', SLOW_FOR_MS];
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

  /** A call goes: what was sent is measured for the pace that follows "too frequent". */
  private sent(): void {
    if (this.rate <= 0) this.adaptive.note(Date.now());
  }

  /** 0 when a token was taken (in Redis, or locally when Redis fails or answers oddly), else the ms to wait. */
  private async take(): Promise<number> {
    if (this.sharing()) {
      try {
        const wait = waitFrom(await this.shared!.link.eval(BUCKET, [this.shared!.key], ['take', this.rate, 0, BUCKET_TTL_MS]));
        if (wait !== undefined) return wait;
      } catch {
        // Redis failed: this instance paces itself.
      }
    }
    return this.local.take(this.pace);
  }

  /** Lets the head of the queue go whenever the bucket has a token. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        // A long wait (a slow rate, an odd answer) is cut short: the bucket is asked again.
        const wait = Math.min(MAX_WAIT_MS, await this.take());
        if (!(wait > 0)) {
          // The head may have given up meanwhile: the token goes to whoever is first now.
          const head = this.queue.shift();
          if (head) {
            this.sent();
            head.resolve();
          }
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

/** The wait the shared bucket answered, at most MAX_WAIT_MS; undefined for anything but a number of ms (the local bucket then decides). */
export function waitFrom(answer: unknown): number | undefined {
  const wait = typeof answer === 'number' || typeof answer === 'string' ? Number(answer) : NaN;
  if (!(wait >= 0)) return undefined;
  return Math.min(MAX_WAIT_MS, Math.ceil(wait));
}

/** A call whose deadline passed while it waited for its turn: the account's rate, not the vendor, held it. */
function outOfTime(): OpenApiError {
  return new OpenApiError(ErrorCodes.ETIMEDOUT, "the call ran out of time waiting for its turn under the account's rate limit", { retryable: true, reason: 'rateWait' });
}

function rateLimited(queue: number): OpenApiError {
  return new OpenApiError(ErrorCodes.RATE_LIMITED, `not sent: ${queue} calls already wait for the account's rate limit`, {
    reason: 'rateLimited',
    limits: { queue },
  });
}
