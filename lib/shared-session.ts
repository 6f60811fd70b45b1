// One token for every Node-RED instance of an account: read from Redis before
// any login, obtained by one instance at a time under a lease, renewed by one
// of them, and dropped from Redis only by whoever holds that very token. When
// Redis does not answer, the instance goes on with its own Session (its own
// token, its own logins) and shares again once Redis is back.
import type { AccountKeys } from './account-keys';
import { ErrorCodes, OpenApiError } from './errors';
import type { Clock } from './clock';
import { asRecord, stricter, type RefusalRecord, type RefusalStore } from './lockout';
import { KEY_PREFIX, StoreUnavailable, type RedisLink } from './redis-link';
import { usableUntil, type Session, type TokenSet } from './session';

/** How long a login lease lives unless its holder extends it (a third of it at a time). */
export const LEASE_MS = 3000;
/** How often an instance waiting for another's login looks for the new token. */
export const POLL_MS = 100;
/** A refusal count in Redis lasts this long without a new refusal (a vendor's block sets its own end). */
const REFUSALS_TTL_MS = 30 * 24 * 3600_000;
/** The most a value read from Redis may take; anything longer was not written by this package. */
export const MAX_SHARED_VALUE_BYTES = 4096;
/** The furthest ahead a shared token's expiry may lie: no vendor's token lives longer. */
export const MAX_TOKEN_LIFE_MS = 30 * 24 * 3600_000;
/** A token as the vendors issue it (some begin with a scheme and a space): printable ASCII, nothing that could break a header. */
const TOKEN_TEXT = /^[\x20-\x7e]{1,4096}$/;

/**
 * A value as it is written to Redis: the fields and a MAC over them and the
 * key, keyed from the account's secret, so that a value planted by anyone else
 * (or copied from another key) is ignored. Unsealed values are checked for
 * size before they are parsed.
 */
export function seal(keys: Pick<AccountKeys, 'mac'>, key: string, value: object): string {
  const body = JSON.stringify(value);
  return JSON.stringify({ v: body, mac: keys.mac(`${key}\n${body}`) });
}

/** The value sealed under `key` with these keys, or undefined for anything else. */
export function unseal(keys: Pick<AccountKeys, 'verify'>, key: string, text: string | null | undefined): unknown {
  if (typeof text !== 'string' || Buffer.byteLength(text) > MAX_SHARED_VALUE_BYTES) return undefined;
  try {
    const outer = JSON.parse(text) as { v?: unknown; mac?: unknown };
    if (!outer || typeof outer.v !== 'string' || !keys.verify(`${key}\n${outer.v}`, outer.mac)) return undefined;
    return JSON.parse(outer.v) as unknown;
  } catch {
    return undefined;
  }
}

/** A token read from Redis, checked field by field. */
function asToken(value: unknown, now: number): TokenSet | undefined {
  const t = value as Partial<TokenSet> | null;
  if (!t || typeof t !== 'object') return undefined;
  if (typeof t.accessToken !== 'string' || !TOKEN_TEXT.test(t.accessToken)) return undefined;
  if (!Number.isFinite(t.expiresAt) || !Number.isFinite(t.obtainedAt) || t.obtainedAt! > t.expiresAt! || t.expiresAt! > now + MAX_TOKEN_LIFE_MS) return undefined;
  if (t.refreshToken !== undefined && (typeof t.refreshToken !== 'string' || !TOKEN_TEXT.test(t.refreshToken))) return undefined;
  if (t.refreshExpiresAt !== undefined && !Number.isFinite(t.refreshExpiresAt)) return undefined;
  const { accessToken, expiresAt, obtainedAt, refreshToken, refreshExpiresAt } = t as TokenSet;
  return { accessToken, expiresAt, obtainedAt, ...(refreshToken !== undefined && { refreshToken }), ...(refreshExpiresAt !== undefined && { refreshExpiresAt }) };
}

/** Drops the shared token only while it is still the one the vendor refused. */
const DROP_TOKEN = `local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local ok, o = pcall(cjson.decode, v)
if not ok or type(o) ~= 'table' or type(o.v) ~= 'string' then return 0 end
local ok2, t = pcall(cjson.decode, o.v)
if ok2 and type(t) == 'table' and t.accessToken == ARGV[1] then return redis.call('DEL', KEYS[1]) end
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
  private pending?: { promise: Promise<TokenSet>; round: number };
  /** Counts refused tokens: a wait begun before the last refusal may bring back the refused token, so it is not joined. */
  private round = 0;
  private renewing = false;
  private closed = false;
  /** Access tokens the vendor refused lately: never taken from Redis again. */
  private readonly refused: string[] = [];
  private readonly unwatch: () => void;

  constructor(private readonly local: Session, private readonly link: RedisLink, private readonly keys: AccountKeys, private readonly opts: SharedSessionOptions) {
    this.tokenKey = `${KEY_PREFIX}token:${keys.session}`;
    this.leaseKey = `${KEY_PREFIX}lease:login:${keys.session}`;
    // A token due for renewal is renewed by one instance for all.
    local.delegateRenewal(() => this.renewDue());
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
    if (this.pending?.round !== this.round) {
      const pending = { round: this.round, promise: this.obtain() };
      this.pending = pending;
      pending.promise
        .finally(() => {
          if (this.pending === pending) this.pending = undefined;
        })
        .catch(() => undefined);
    }
    return this.pending.promise;
  }

  invalidate(token: TokenSet): void {
    this.local.invalidate(token);
    if (this.refused.includes(token.accessToken)) return;
    this.round++;
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
        if (shared && this.take(shared)) return shared;
        const got = await this.underLease(async () => {
          const again = await this.read();
          return again && this.take(again) ? again : this.loginAndPublish();
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
      if (shared && shared.accessToken !== own?.accessToken && !this.local.dueForRenewal(shared) && this.take(shared)) return;
      const done = await this.underLease(async () => {
        const again = await this.read();
        if (again && again.accessToken !== own?.accessToken && !this.local.dueForRenewal(again) && this.take(again)) return again;
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

  /** Uses a token read from Redis, unless the vendor refused it meanwhile (it was read before the refusal). */
  private take(token: TokenSet): boolean {
    if (this.refused.includes(token.accessToken)) return false;
    this.local.adopt(token);
    return true;
  }

  /**
   * The shared token while it may be used, and is not one the vendor refused.
   * Anything this package did not write for these credentials is ignored: it
   * costs a login, never a failed call.
   */
  private async read(): Promise<TokenSet | undefined> {
    const token = asToken(unseal(this.keys, this.tokenKey, await this.link.get(this.tokenKey)), this.opts.clock.now());
    if (!token || this.refused.includes(token.accessToken) || this.opts.clock.now() >= usableUntil(token)) return undefined;
    return token;
  }

  /** Writes the token, to expire before the token itself does. */
  private async publish(token: TokenSet, ifAbsent = false): Promise<void> {
    const ttl = usableUntil(token) - this.opts.clock.now();
    if (ttl <= 0) return;
    const { accessToken, expiresAt, obtainedAt, refreshToken, refreshExpiresAt } = token;
    await this.link.set(this.tokenKey, seal(this.keys, this.tokenKey, { accessToken, expiresAt, obtainedAt, refreshToken, refreshExpiresAt }), ttl, ifAbsent);
  }
}

/**
 * The count of refused logins, shared: a local store (the file, or memory)
 * answers the guard's synchronous questions; it is brought up to date from
 * Redis before each real login (under the lease) and every change is written
 * through, sealed like the token. Without Redis the local store goes on
 * counting alone.
 */
export class SharedRefusalStore implements RefusalStore {
  private writes: Promise<unknown> = Promise.resolve();

  /** `id`: the key of this account's own record (identity and credentials). */
  constructor(private readonly mirror: RefusalStore, private readonly link: RedisLink, private readonly keys: AccountKeys, private readonly id: string) {}

  get(key: string): RefusalRecord | undefined {
    return this.mirror.get(key);
  }

  update(key: string, change: (old: RefusalRecord | undefined) => RefusalRecord | undefined): void {
    let record: RefusalRecord | undefined;
    this.mirror.update(key, (old) => (record = change(old)));
    const redisKey = `${KEY_PREFIX}refusals:${key}`;
    const ttl = record?.until !== undefined ? Math.max(1000, record.until - Date.now() + 60_000) : REFUSALS_TTL_MS;
    const write = record ? this.link.set(redisKey, seal(this.keys, redisKey, record), ttl) : this.link.del(redisKey);
    this.writes = Promise.all([this.writes, write.catch(() => undefined)]);
  }

  /**
   * Takes the shared count where it allows fewer logins than the local one.
   * Where Redis has none the local one stays: after a flushed Redis that errs
   * towards fewer logins, never towards a locked account.
   */
  async pull(): Promise<void> {
    const redisKey = `${KEY_PREFIX}refusals:${this.id}`;
    const shared = asRecord(unseal(this.keys, redisKey, await this.link.get(redisKey).catch(() => null)));
    if (shared) this.mirror.update(this.id, (mine) => stricter(mine, shared));
  }

  /** Waits for the writes so far (before the lease passes to another instance). */
  async flush(): Promise<void> {
    await this.writes;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
