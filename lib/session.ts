// The account's token keeper: one login in flight however many calls wait,
// renewal ahead of expiry, and a backoff after failed logins (the vendors
// lock accounts and block IPs that keep failing).
import { ErrorCodes, OpenApiError } from './errors';
import type { Clock } from './clock';
import type { LoginGuard, StopSignal } from './lockout';

export interface TokenSet {
  accessToken: string;
  /** Server-clock milliseconds when the access token lapses. */
  expiresAt: number;
  obtainedAt: number;
  refreshToken?: string;
  refreshExpiresAt?: number;
}

/** What a platform offers the session. */
export interface Authenticator {
  login(): Promise<TokenSet>;
  /** Renews with a refresh token or endpoint; absent where the platform has none. */
  refresh?(current: TokenSet): Promise<TokenSet>;
  /** When to renew a token (server-clock ms), ahead of its expiry. */
  renewAt(token: TokenSet): number;
  /** A refusal after which no login may be tried again (the vendor's "attempts left" or "blocked"). */
  stopSignal?(err: OpenApiError): StopSignal | undefined;
}

export type SessionEvent =
  | { type: 'login-start' }
  | { type: 'login-ok'; renewed: boolean }
  | { type: 'login-failed'; error: OpenApiError; retryInMs: number }
  /** Whether the account shares its token through Redis right now; `reason` says why not (no secret in it). */
  | { type: 'store'; shared: boolean; reason?: string };

export interface SessionOptions {
  clock: Clock;
  onEvent?: (event: SessionEvent) => void;
  /** First wait after a failed login; it doubles with each failure up to backoffMaxMs. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Counts the vendor's refusals of this account's logins, across sessions and restarts. */
  guard?: LoginGuard;
}

/** setTimeout cannot wait longer than this. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** A token this close to its expiry (30 s, or a tenth of a short lifetime) is not used any more. */
export function usableUntil(t: TokenSet): number {
  return t.expiresAt - Math.min(30_000, (t.expiresAt - t.obtainedAt) / 10);
}

export class Session {
  private current?: TokenSet;
  private pending?: Promise<TokenSet>;
  private timer?: NodeJS.Timeout;
  private failures = 0;
  private retryAt = 0;
  private lastError?: OpenApiError;
  private closed = false;
  /** Tokens handed out recently, so errors can be scrubbed of them. */
  private readonly recentTokens: string[] = [];
  /** Who renews a token that is due, when not this session itself (see delegateRenewal). */
  private renewDue?: () => void;

  constructor(private readonly auth: Authenticator, private readonly opts: SessionOptions) {}

  /**
   * A token that is due is renewed by calling `renewDue` instead of renew():
   * a token shared between instances is renewed by one of them, not by each
   * (SharedSession).
   */
  delegateRenewal(renewDue: () => void): void {
    this.renewDue = renewDue;
  }

  private dueNow(): void {
    if (this.renewDue) this.renewDue();
    else this.renew().catch(() => undefined);
  }

  /** A valid token, logging in first when there is none. */
  async token(): Promise<TokenSet> {
    const now = this.opts.clock.now();
    const t = this.current;
    if (t && now < usableUntil(t)) {
      if (now >= this.auth.renewAt(t)) this.dueNow();
      return t;
    }
    return this.renew();
  }

  /** The current token while it may be used, without logging in or renewing. */
  peek(): TokenSet | undefined {
    const t = this.current;
    return t && this.opts.clock.now() < usableUntil(t) ? t : undefined;
  }

  /** Whether a token is due for renewal. */
  dueForRenewal(t: TokenSet): boolean {
    return this.opts.clock.now() >= this.auth.renewAt(t);
  }

  /** Takes a token another instance obtained (from a shared store), and renews it when due. */
  adopt(token: TokenSet): void {
    if (this.closed || this.current?.accessToken === token.accessToken) return;
    this.current = token;
    this.remember(token);
    this.schedule(this.auth.renewAt(token));
  }

  /** Asks for a renewal at `at` (server-clock ms): used while another instance renews the shared token. */
  renewLater(at: number): void {
    if (!this.closed) this.schedule(at);
  }

  /** Drops a token the vendor refused, unless a newer one already replaced it. */
  invalidate(token: TokenSet): void {
    if (this.current?.accessToken === token.accessToken) this.current = undefined;
  }

  /** Logs in (or refreshes): a single attempt shared by every caller. */
  renew(): Promise<TokenSet> {
    if (this.closed) return Promise.reject(new OpenApiError(ErrorCodes.ECANCELED, 'the account is closed'));
    if (this.pending) return this.pending;
    const waitMs = this.retryAt - this.opts.clock.now();
    if (waitMs > 0 && this.lastError) {
      const last = this.lastError;
      return Promise.reject(
        new OpenApiError(ErrorCodes.LOGIN_BACKOFF, `login failed (${last.code}: ${last.message}); next attempt in ${Math.ceil(waitMs / 1000)} s`, {
          platform: last.platform,
          vendorMessage: last.vendorMessage,
        }),
      );
    }
    // Asked only when a login is about to be sent: the count may live in a file.
    const stopped = this.opts.guard?.stopped();
    if (stopped) return Promise.reject(stopped);
    this.pending = this.obtain().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async obtain(): Promise<TokenSet> {
    this.opts.onEvent?.({ type: 'login-start' });
    const previous = this.current;
    try {
      let token: TokenSet | undefined;
      if (previous && this.auth.refresh && this.opts.clock.now() < (previous.refreshExpiresAt ?? usableUntil(previous))) {
        // A failed refresh falls back to a full login.
        token = await this.auth.refresh(previous).catch(() => undefined);
      }
      const renewed = token !== undefined;
      token ??= await this.auth.login();
      if (this.closed) throw new OpenApiError(ErrorCodes.ECANCELED, 'the account is closed');
      this.current = token;
      this.remember(token);
      this.failures = 0;
      this.opts.guard?.succeeded();
      this.retryAt = 0;
      this.lastError = undefined;
      this.schedule(this.auth.renewAt(token));
      this.opts.onEvent?.({ type: 'login-ok', renewed });
      return token;
    } catch (err) {
      const error = err instanceof OpenApiError ? err : new OpenApiError(ErrorCodes.BAD_RESPONSE, String((err as Error)?.message ?? err));
      if (error.code !== ErrorCodes.ECANCELED) {
        this.failures++;
        // A refusal of a skewed timestamp says nothing about the credentials.
        if (error.refusal && !error.clockSkew) this.opts.guard?.refused(error, this.auth.stopSignal?.(error), this.recentTokens);
        const stopped = this.opts.guard?.stopped();
        // Once stopped, the guard answers every renew(): no backoff timer is needed.
        const wait = stopped ? Infinity : Math.min(this.opts.backoffMaxMs ?? 300_000, (this.opts.backoffBaseMs ?? 1000) * 2 ** (this.failures - 1));
        this.retryAt = stopped ? 0 : this.opts.clock.now() + wait;
        this.lastError = error;
        // While the old token still works, try again once the backoff is over.
        if (this.current && !stopped) this.schedule(this.retryAt);
        this.opts.onEvent?.({ type: 'login-failed', error: stopped ?? error, retryInMs: wait });
      }
      throw error;
    }
  }

  /** Renews in the background ahead of expiry, so calls never wait on a login. */
  private schedule(at: number): void {
    clearTimeout(this.timer);
    const delay = Math.min(MAX_TIMER_MS, Math.max(1000, at - this.opts.clock.now()));
    this.timer = setTimeout(() => this.dueNow(), delay);
    this.timer.unref?.();
  }

  private remember(token: TokenSet): void {
    for (const value of [token.accessToken, token.refreshToken]) {
      if (value && !this.recentTokens.includes(value)) this.recentTokens.push(value);
    }
    while (this.recentTokens.length > 8) this.recentTokens.shift();
  }

  /** Tokens to scrub from any text that leaves the library. */
  tokens(): readonly string[] {
    return this.recentTokens;
  }

  /** Stops renewing; calls still waiting get ECANCELED. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.current = undefined;
  }
}
