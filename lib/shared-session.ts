// One token for every Node-RED instance of an account: read from Redis before
// any login, obtained by one instance at a time under a lease, renewed by one
// of them, and dropped from Redis only by whoever holds that very token. When
// Redis does not answer, the instance goes on with its own Session (its own
// token, its own logins) and shares again once Redis is back.
import { ErrorCodes, OpenApiError } from './errors';
import type { Clock } from './clock';
import type { RefusalRecord, RefusalStore } from './lockout';
import { KEY_PREFIX, StoreUnavailable, type RedisLink } from './redis-link';
import { usableUntil, type Session, type TokenSet } from './session';

/** How long a login lease lives unless its holder extends it (a third of it at a time). */
export const LEASE_MS = 3000;
/** How often an instance waiting for another's login looks for the new token. */
export const POLL_MS = 100;
/** A refusal count in Redis lasts this long without a new refusal (a vendor's block sets its own end). */
const REFUSALS_TTL_MS = 30 * 24 * 3600_000;

/** Drops the shared token only while it is still the one the vendor refused. */
const DROP_TOKEN = `local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local ok, t = pcall(cjson.decode, v)
if ok and type(t) == 'table' and t.accessToken == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** What the client asks of a token keeper, shared or not. */
export interface TokenKeeper {
  token(): Promise<TokenSet>;
  invalidate(token: TokenSet): void;
  renew(): Promise<TokenSet>;
  tokens(): readonly string[];
  close(): void;
}

export interface SharedSessionOptions {
  clock: Clock;
  /** The longest a call waits for another instance's login (the account's timeout). */
  waitMs: number;
  refusals?: SharedRefusalStore;
}

export class SharedSession implements TokenKeeper {
  private readonly tokenKey: string;
  private readonly leaseKey: string;
  private pending?: Promise<TokenSet>;
  private renewing = false;
  private closed = false;
  /** Access tokens the vendor refused lately: never taken from Redis again. */
  private readonly refused: string[] = [];
  private readonly unwatch: () => void;

  constructor(private readonly local: Session, private readonly link: RedisLink, id: string, private readonly opts: SharedSessionOptions) {
    this.tokenKey = `${KEY_PREFIX}token:${id}`;
    this.leaseKey = `${KEY_PREFIX}lease:login:${id}`;
    // Back in touch: offer the token this instance got meanwhile, unless another one is there already.
    this.unwatch = link.watch((status) => {
      const own = this.local.peek();
      if (status.shared && own) this.publish(own, true).catch(() => undefined);
    });
  }

  async token(): Promise<TokenSet> {
    const own = this.local.peek();
    if (own) {
      if (this.local.dueForRenewal(own)) this.renewDue();
      return own;
    }
    if (!this.link.usable) return this.local.token();
    this.pending ??= this.obtain().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  invalidate(token: TokenSet): void {
    this.local.invalidate(token);
    this.refused.push(token.accessToken);
    while (this.refused.length > 8) this.refused.shift();
    if (this.link.usable) this.link.eval(DROP_TOKEN, [this.tokenKey], [token.accessToken]).catch(() => undefined);
  }

  /** A login now (Test connection): shared like any other. */
  async renew(): Promise<TokenSet> {
    const fresh = await this.local.renew();
    await this.publish(fresh).catch(() => undefined);
    return fresh;
  }

  tokens(): readonly string[] {
    return this.local.tokens();
  }

  close(): void {
    this.closed = true;
    this.unwatch();
    this.local.close();
  }

  /** Called by the local session when its token is due: one instance renews, the others take its token. */
  renewDue(): void {
    if (this.renewing || this.closed) return;
    this.renewing = true;
    this.renewShared()
      .catch(() => undefined)
      .finally(() => {
        this.renewing = false;
      });
  }

  /** The shared token, or a login under the lease, or (Redis gone) this instance's own. */
  private async obtain(): Promise<TokenSet> {
    const until = Date.now() + this.opts.waitMs;
    try {
      for (;;) {
        const shared = await this.read();
        if (shared) return this.take(shared);
        const got = await this.underLease(async () => {
          const again = await this.read();
          return again ? this.take(again) : this.loginAndPublish();
        });
        if (got) return got;
        if (this.closed) throw new OpenApiError(ErrorCodes.ECANCELED, 'the account is closed');
        if (Date.now() >= until) throw new OpenApiError(ErrorCodes.ETIMEDOUT, `no token from the instance logging in within ${this.opts.waitMs} ms`, { retryable: true });
        await sleep(POLL_MS);
      }
    } catch (err) {
      if (err instanceof StoreUnavailable) return this.local.token();
      throw err;
    }
  }

  private async renewShared(): Promise<void> {
    if (!this.link.usable) {
      await this.local.renew();
      return;
    }
    try {
      const own = this.local.peek();
      const shared = await this.read();
      // Another instance renewed already.
      if (shared && shared.accessToken !== own?.accessToken && !this.local.dueForRenewal(shared)) {
        this.take(shared);
        return;
      }
      const done = await this.underLease(async () => {
        const again = await this.read();
        if (again && again.accessToken !== own?.accessToken && !this.local.dueForRenewal(again)) return this.take(again);
        return this.loginAndPublish();
      });
      // Someone else is renewing: look again shortly.
      if (!done) this.local.renewLater(this.opts.clock.now() + 1000);
    } catch (err) {
      if (err instanceof StoreUnavailable) await this.local.renew();
      else throw err;
    }
  }

  /** Runs `work` holding the login lease; undefined when another instance holds it. */
  private async underLease(work: () => Promise<TokenSet>): Promise<TokenSet | undefined> {
    const lease = await this.link.lease(this.leaseKey, LEASE_MS);
    if (!lease) return undefined;
    try {
      // The next holder must see this holder's refusals before its own login.
      await this.opts.refusals?.pull();
      return await work();
    } finally {
      await this.opts.refusals?.flush();
      await lease.release();
    }
  }

  private async loginAndPublish(): Promise<TokenSet> {
    const fresh = await this.local.renew();
    // A token got but not shared is still this instance's to use.
    await this.publish(fresh).catch(() => undefined);
    return fresh;
  }

  private take(token: TokenSet): TokenSet {
    this.local.adopt(token);
    return token;
  }

  /** The shared token while it may be used, and is not one the vendor refused. */
  private async read(): Promise<TokenSet | undefined> {
    const text = await this.link.get(this.tokenKey);
    if (!text) return undefined;
    let t: Partial<TokenSet>;
    try {
      t = JSON.parse(text) as Partial<TokenSet>;
    } catch {
      return undefined;
    }
    if (typeof t.accessToken !== 'string' || typeof t.expiresAt !== 'number' || typeof t.obtainedAt !== 'number') return undefined;
    const token = t as TokenSet;
    if (this.refused.includes(token.accessToken) || this.opts.clock.now() >= usableUntil(token)) return undefined;
    return token;
  }

  /** Writes the token, to expire before the token itself does. */
  private async publish(token: TokenSet, ifAbsent = false): Promise<void> {
    const ttl = usableUntil(token) - this.opts.clock.now();
    if (ttl <= 0) return;
    const { accessToken, expiresAt, obtainedAt, refreshToken, refreshExpiresAt } = token;
    await this.link.set(this.tokenKey, JSON.stringify({ accessToken, expiresAt, obtainedAt, refreshToken, refreshExpiresAt }), ttl, ifAbsent);
  }
}

/**
 * The count of refused logins, shared: a local store (the file, or memory)
 * answers the guard's synchronous questions; it is brought up to date from
 * Redis before each real login (under the lease) and every change is written
 * through. Without Redis the local store goes on counting alone.
 */
export class SharedRefusalStore implements RefusalStore {
  private writes: Promise<unknown> = Promise.resolve();

  constructor(private readonly mirror: RefusalStore, private readonly link: RedisLink, private readonly id: string) {}

  get(key: string): RefusalRecord | undefined {
    return this.mirror.get(key);
  }

  set(key: string, record: RefusalRecord | undefined): void {
    this.mirror.set(key, record);
    const redisKey = `${KEY_PREFIX}refusals:${key}`;
    const ttl = record?.until !== undefined ? Math.max(1000, record.until - Date.now() + 60_000) : REFUSALS_TTL_MS;
    const write = record ? this.link.set(redisKey, JSON.stringify(record), ttl) : this.link.del(redisKey);
    this.writes = Promise.all([this.writes, write.catch(() => undefined)]);
  }

  /**
   * Takes the shared count. Where Redis has none the local one stays: after a
   * flushed Redis that errs towards fewer logins, never towards a locked account.
   */
  async pull(): Promise<void> {
    const text = await this.link.get(`${KEY_PREFIX}refusals:${this.id}`).catch(() => null);
    if (!text) return;
    try {
      const record = JSON.parse(text) as RefusalRecord;
      if (record && typeof record.fingerprint === 'string' && typeof record.count === 'number') this.mirror.set(this.id, record);
    } catch {
      // not ours: ignore
    }
  }

  /** Waits for the writes so far (before the lease passes to another instance). */
  async flush(): Promise<void> {
    await this.writes;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
