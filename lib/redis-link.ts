// One Redis connection per account client, for what several Node-RED
// instances of one vendor account must share: the token, the login lease, the
// count of refused logins and the pacing bucket. Redis helps; it is never
// waited on: every command is raced against a short timeout, nothing is
// queued while the connection is down, and a failure tells the caller to go
// on with this instance's own state (SharedSession, Pacer).
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { ErrorCodes, OpenApiError, invalidInput, redactText } from './errors';

/** Where the account's shared state lives. */
export interface RedisStoreOptions {
  kind: 'redis';
  /** redis://host:port/db, or rediss:// for TLS. */
  url: string;
  username?: string;
  password?: string;
}

export type TokenStoreOptions = { kind: 'local' } | RedisStoreOptions;

/** Every key the package writes starts with this, so the keys are easy to find, watch and protect (ACL `~iot-openapi:*`). */
export const KEY_PREFIX = 'iot-openapi:';
/** The longest a call waits on Redis for one command. */
export const REDIS_COMMAND_TIMEOUT_MS = 1000;
/** How often a Redis that stopped answering is asked again. */
const PROBE_EVERY_MS = 1000;

/** Redis failed (or was too slow) for one command: go on without it. */
export class StoreUnavailable extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'StoreUnavailable';
  }
}

/** A Redis URL as it may be shown: without user name or password. */
export function scrubRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return 'redis://…';
  }
}

/** Checks a Redis URL (redis:// or rediss://, a host, no user or password); the message never repeats it (it may hold a password). */
/** What a Redis URL looks like: redis:// or rediss:// and no blank. */
export const REDIS_URL_PATTERN = /^rediss?:\/\/[^\s]+$/i;
/** A user or password before the host: `redis://user:pw@host`. */
export const REDIS_LOGIN_PATTERN = /^rediss?:\/\/[^/?#]*@/i;

export function checkRedisUrl(url: unknown): string {
  const text = typeof url === 'string' ? url.trim() : '';
  if (!REDIS_URL_PATTERN.test(text)) throw invalidInput('redisUrl', 'pattern');
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw invalidInput('redisUrl', 'pattern');
  }
  if (!parsed.hostname) throw invalidInput('redisUrl', 'pattern');
  // A login in the URL would be saved in the flow file and every export of it.
  if (parsed.username || parsed.password || REDIS_LOGIN_PATTERN.test(text)) throw invalidInput('redisUrl', 'loginInUrl');
  return text;
}

/** Compare-and-delete: only the owner releases its lease. */
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
/** Compare-and-pexpire: only the owner extends its lease. */
const EXTEND = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";

export interface StoreStatus {
  shared: boolean;
  reason?: string;
}

type Client = ReturnType<typeof createClient>;

export class RedisLink {
  /** Tells this instance's leases apart from every other's. */
  readonly owner = randomBytes(8).toString('hex');
  private readonly client: Client;
  private state: 'connecting' | 'up' | 'down' = 'connecting';
  /** Settles once the first connection is made or has failed: what a command sent at start-up waits for. */
  private settle!: () => void;
  private readonly settled = new Promise<void>((resolve) => (this.settle = resolve));
  private probe?: NodeJS.Timeout;
  private closed = false;
  private leases = 0;
  private readonly secrets: string[];
  private readonly listeners = new Set<(status: StoreStatus) => void>();

  constructor(options: RedisStoreOptions, private readonly timeoutMs = REDIS_COMMAND_TIMEOUT_MS) {
    const url = checkRedisUrl(options.url);
    this.secrets = [options.password ?? '', new URL(url).password].filter((s) => s.length > 0);
    this.client = createClient({
      url,
      ...(options.username ? { username: options.username } : {}),
      ...(options.password ? { password: options.password } : {}),
      // A command sent while the connection is down fails at once instead of waiting for it.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 2000,
        // Keep trying, never faster than every 2 s once it has failed a few times.
        reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000),
      },
    });
    // Without a listener an 'error' event would end the process.
    this.client.on('error', (err: Error) => this.down(this.describe(err)));
    this.client.on('ready', () => this.up());
    this.client.connect().catch(() => undefined);
    // A Redis that is not there at start-up: calls stop waiting for it after the short timeout.
    setTimeout(() => {
      if (this.state === 'connecting') this.down('no connection');
    }, this.timeoutMs).unref();
  }

  /** False while Redis is known to be unreachable: callers then use their own state at once. */
  get usable(): boolean {
    return !this.closed && this.state !== 'down';
  }

  /** Follows the link going down and coming back; returns the function that stops following. */
  watch(listener: (status: StoreStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs one command within the short timeout; any failure is a StoreUnavailable. */
  async run<T>(command: (client: Client) => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreUnavailable('closed');
    if (this.state === 'connecting') await within(this.settled, this.timeoutMs).catch(() => undefined);
    if (this.state !== 'up') throw new StoreUnavailable('unreachable');
    try {
      return await within(command(this.client), this.timeoutMs);
    } catch (err) {
      const reason = this.describe(err);
      // Redis answered with an error (a refused command): the connection itself is fine.
      if (!isErrorReply(err)) this.down(reason);
      throw new StoreUnavailable(reason);
    }
  }

  async get(key: string): Promise<string | null> {
    return this.run((c) => c.get(key));
  }

  /** SET with PX (and NX when `ifAbsent`): whether it was written. */
  async set(key: string, value: string, ttlMs: number, ifAbsent = false): Promise<boolean> {
    const ms = Math.max(1, Math.floor(ttlMs));
    const reply = await this.run((c) => c.set(key, value, { expiration: { type: 'PX', value: ms }, ...(ifAbsent ? { condition: 'NX' as const } : {}) }));
    return reply === 'OK';
  }

  async del(key: string): Promise<void> {
    await this.run((c) => c.del(key));
  }

  async eval(script: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    return this.run((c) => c.eval(script, { keys, arguments: args.map(String) }));
  }

  /**
   * Takes a lease (SET NX PX) and keeps it alive, extending it every third of
   * its time while the holder works; undefined when someone else holds it. If
   * this process dies the lease expires after `ttlMs` and another may take it.
   */
  async lease(key: string, ttlMs: number): Promise<Lease | undefined> {
    const owner = `${this.owner}:${++this.leases}`;
    if (!(await this.set(key, owner, ttlMs, true))) return undefined;
    const timer = setInterval(() => {
      this.eval(EXTEND, [key], [owner, ttlMs]).catch(() => undefined);
    }, Math.max(100, Math.floor(ttlMs / 3)));
    timer.unref();
    return {
      release: async () => {
        clearInterval(timer);
        await this.eval(RELEASE, [key], [owner]).catch(() => undefined);
      },
    };
  }

  /** Closes the connection (a redeploy makes a new client); stops the probe. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.probe);
    this.listeners.clear();
    try {
      this.client.destroy();
    } catch {
      // already closed
    }
  }

  private up(): void {
    if (this.closed || this.state === 'up') return;
    const was = this.state;
    this.state = 'up';
    clearInterval(this.probe);
    this.probe = undefined;
    this.settle();
    if (was === 'down') this.emit({ shared: true });
  }

  private down(reason: string): void {
    if (this.closed || this.state === 'down') return;
    this.state = 'down';
    this.settle();
    this.emit({ shared: false, reason });
    // A connection that stays open but stopped answering gives no 'ready' again: ask it.
    this.probe ??= setInterval(() => {
      if (this.client.isReady) {
        within(this.client.ping(), this.timeoutMs).then(() => this.up(), () => undefined);
      }
    }, PROBE_EVERY_MS);
    this.probe.unref();
  }

  private emit(status: StoreStatus): void {
    for (const listener of this.listeners) listener(status);
  }

  /** An error as it may be shown: short, without the URL's or the options' password. */
  private describe(err: unknown): string {
    const e = err as { code?: unknown; message?: unknown };
    const text = typeof e?.message === 'string' && e.message ? e.message : String(err);
    return redactText(`${typeof e?.code === 'string' ? `${e.code}: ` : ''}${text}`, this.secrets).replace(/rediss?:\/\/\S+/gi, (u) => scrubRedisUrl(u)).slice(0, 200);
  }
}

export interface Lease {
  release(): Promise<void>;
}

function isErrorReply(err: unknown): boolean {
  const name = (err as { constructor?: { name?: string } })?.constructor?.name ?? '';
  return name === 'ErrorReply' || name === 'SimpleError' || name === 'BlobError';
}

/** Resolves as `promise` does, or rejects after `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new OpenApiError(ErrorCodes.ETIMEDOUT, `no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
