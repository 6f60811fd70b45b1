// Never lock a user's vendor account. Vendors lock an account after a few
// wrong passwords (Quectel: five) and block a network that keeps trying, so
// the logins the vendor refuses are counted per account identity and set of
// credentials, in a store that outlives a redeploy or a restart. After
// MAX_REFUSALS in a row, or at once on a vendor's "attempts left" / "locked"
// code, no login is sent again until the credentials change. The count is
// also kept in this process's memory, so that a store that cannot be written
// never gives a process more attempts; a store that cannot be read stops
// logins rather than be taken for zero.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sha256, type AccountKeys } from './account-keys';
import { ErrorCodes, OpenApiError, redactText } from './errors';

/** Logins the vendor may refuse in a row before no more are sent. */
export const MAX_REFUSALS = 3;

export interface RefusalRecord {
  count: number;
  stopped: boolean;
  /** The last refusal: the vendor's code and text. */
  code: string | number;
  message: string;
  at: number;
  /** A temporary block (milliseconds since the epoch) after which logins may resume by themselves. */
  until?: number;
  /** Records of an earlier version, kept per identity: a salted hash of the credentials they were for. */
  salt?: string;
  fingerprint?: string;
}

/** The store of refusal records cannot be read: logins stop until it can. */
export class RefusalsUnreadable extends Error {
  constructor(readonly where: string, readonly why: string) {
    super(`the count of refused logins in ${where} cannot be read (${why})`);
    this.name = 'RefusalsUnreadable';
  }
}

/**
 * Where refusal records live: keys are hashes of an account identity and of
 * its credentials, never a name or a secret. `update` changes one record as
 * one step (read, change, write), so that no other writer's change is lost.
 */
export interface RefusalStore {
  /** The record, or undefined; throws RefusalsUnreadable when the store cannot be read. */
  get(key: string): RefusalRecord | undefined;
  update(key: string, change: (old: RefusalRecord | undefined) => RefusalRecord | undefined): void;
}

/** A record as it was read from a file or a shared store: checked field by field, else ignored. */
export function asRecord(value: unknown): RefusalRecord | undefined {
  const r = value as Partial<RefusalRecord> | null;
  if (!r || typeof r !== 'object' || Array.isArray(r)) return undefined;
  if (!Number.isInteger(r.count) || r.count! < 0 || typeof r.stopped !== 'boolean' || typeof r.at !== 'number') return undefined;
  if ((typeof r.code !== 'string' && typeof r.code !== 'number') || typeof r.message !== 'string') return undefined;
  if (r.until !== undefined && typeof r.until !== 'number') return undefined;
  return {
    count: r.count!,
    stopped: r.stopped,
    code: r.code,
    message: r.message.slice(0, 300),
    at: r.at,
    ...(r.until !== undefined && { until: r.until }),
    ...(typeof r.salt === 'string' && typeof r.fingerprint === 'string' && { salt: r.salt, fingerprint: r.fingerprint }),
  };
}

/** Of two records of one key, the one that allows fewer logins. */
export function stricter(a: RefusalRecord | undefined, b: RefusalRecord | undefined): RefusalRecord | undefined {
  if (!a || !b) return a ?? b;
  if (a.stopped !== b.stopped) return a.stopped ? a : b;
  if (a.count !== b.count) return a.count > b.count ? a : b;
  return (a.until ?? 0) >= (b.until ?? 0) ? a : b;
}

export class MemoryRefusalStore implements RefusalStore {
  private readonly records = new Map<string, RefusalRecord>();
  get(key: string): RefusalRecord | undefined {
    return this.records.get(key);
  }
  update(key: string, change: (old: RefusalRecord | undefined) => RefusalRecord | undefined): void {
    const next = change(this.records.get(key));
    if (next) this.records.set(key, next);
    else this.records.delete(key);
  }
}

/** One memory per file and process: a redeploy makes a new store for the same file, and finds the counts there. */
const fileMemories = new Map<string, MemoryRefusalStore>();
/** How long a writer waits for another's lock on the file, and when a lock is taken as left by a dead process. */
const LOCK_WAIT_MS = 2000;
const LOCK_STALE_MS = 10_000;

/**
 * Records kept in a JSON file (Node-RED's user directory) and in this
 * process's memory. The file is read on each use (only logins use it, they are
 * rare) and changed under a lock file, so two Node-RED processes sharing the
 * directory never lose each other's updates; a rename makes each write atomic.
 * An entry that cannot be read is kept as it is; a file that cannot be read
 * at all is never overwritten and stops logins until it is repaired.
 */
export class FileRefusalStore implements RefusalStore {
  private readonly memory: MemoryRefusalStore;
  private reported?: string;

  constructor(readonly file: string, private readonly onError: (err: Error) => void = () => undefined) {
    this.memory = fileMemories.get(file) ?? new MemoryRefusalStore();
    fileMemories.set(file, this.memory);
  }

  get(key: string): RefusalRecord | undefined {
    try {
      return stricter(asRecord(this.load()[key]), this.memory.get(key));
    } catch (err) {
      // Said once per cause in the log; every login asked meanwhile is refused with the same reason.
      if (err instanceof RefusalsUnreadable && err.why !== this.reported) {
        this.reported = err.why;
        this.onError(err);
      }
      throw err;
    }
  }

  update(key: string, change: (old: RefusalRecord | undefined) => RefusalRecord | undefined): void {
    const release = this.lock();
    try {
      let saved: Record<string, unknown> | undefined;
      try {
        saved = this.load();
      } catch (err) {
        this.onError(err as Error);
      }
      const next = change(stricter(asRecord(saved?.[key]), this.memory.get(key)));
      // Memory first: whatever happens to the file, this process keeps the count.
      this.memory.update(key, () => next);
      if (!saved) return;
      if (next) saved[key] = next;
      else if (key in saved) delete saved[key];
      else return;
      this.write(saved);
    } catch (err) {
      this.onError(err as Error);
    } finally {
      release();
    }
  }

  /** Every entry of the file as it is (the unreadable ones too); {} when there is no file. */
  private load(): Record<string, unknown> {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new RefusalsUnreadable(this.file, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
    }
    let saved: { accounts?: unknown };
    try {
      saved = JSON.parse(text) as { accounts?: unknown };
    } catch {
      throw new RefusalsUnreadable(this.file, 'not valid JSON');
    }
    const accounts = saved?.accounts ?? {};
    if (!accounts || typeof accounts !== 'object' || Array.isArray(accounts)) throw new RefusalsUnreadable(this.file, 'not a file of refused logins');
    return { ...(accounts as Record<string, unknown>) };
  }

  private write(accounts: Record<string, unknown>): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      fs.writeFileSync(temp, JSON.stringify({ version: 2, accounts }, null, 1), { mode: 0o600 });
      fs.renameSync(temp, this.file);
    } finally {
      fs.rmSync(temp, { force: true });
    }
  }

  /** Takes the lock file (waiting a little for another writer); the returned function gives it back. */
  private lock(): () => void {
    const lockFile = `${this.file}.lock`;
    const until = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        fs.closeSync(fs.openSync(lockFile, 'wx', 0o600));
        return () => fs.rmSync(lockFile, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return () => undefined;
      }
      // A lock held past the wait: go on without it rather than hold the login up.
      if (Date.now() >= until) return () => undefined;
      try {
        // Left by a process that died while holding it.
        if (Date.now() - fs.statSync(lockFile).mtimeMs > LOCK_STALE_MS) fs.rmSync(lockFile, { force: true });
      } catch {
        // gone meanwhile, or not a file: try again
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

/** One store per process when nothing else is given, so every client of an account shares it. */
export const processRefusals = new MemoryRefusalStore();

/** What the vendor told about a refusal that stops logins at once. */
export interface StopSignal {
  /** How long the vendor blocks (ms), when it says so; logins may resume after it. */
  blockMs?: number;
}

/** Where an earlier version kept an identity's record: one per platform, host and user, with a salted fingerprint. */
export interface LegacyIdentity {
  platform: string;
  host: string;
  user: string;
  secrets: readonly string[];
}

/** Counts one account's refused logins (its identity and these credentials) and says when no more may be sent. */
export class LoginGuard {
  private readonly key: string;
  /**
   * The stop once seen: only new credentials (a new guard) or the end of a
   * vendor's block lift it, so a stream of calls need not read the store again.
   */
  private halt?: OpenApiError;
  private legacyChecked = false;

  constructor(
    private readonly store: RefusalStore,
    keys: Pick<AccountKeys, 'identity' | 'fingerprint'>,
    /** Scrubs what the vendor said of anything secret before it is kept (the vendor may echo the request). */
    private readonly scrub: (text: string) => string = (text) => text,
    private readonly now: () => number = Date.now,
    private readonly legacy?: LegacyIdentity,
  ) {
    // Records of other credentials of the same identity sit beside this one, untouched by it.
    this.key = `${keys.identity}.${keys.fingerprint}`;
  }

  /** The error to give instead of a login, or undefined when a login may be sent. */
  stopped(): OpenApiError | undefined {
    if (this.halt) {
      const until = this.halt.limits?.until;
      if (typeof until !== 'number' || this.now() < until) return this.halt;
      this.halt = undefined;
    }
    let record: RefusalRecord | undefined;
    try {
      this.adoptLegacy();
      record = this.store.get(this.key);
    } catch (err) {
      if (err instanceof RefusalsUnreadable) return unreadableError(err);
      throw err;
    }
    if (!record?.stopped) return undefined;
    if (record.until !== undefined && this.now() >= record.until) return undefined;
    this.halt = stoppedError(record);
    return this.halt;
  }

  /** Counts a refusal; `stop` when the vendor's code asks to stop at once; `tokens` are scrubbed from its text too. */
  refused(error: OpenApiError, stop?: StopSignal, tokens: readonly string[] = []): void {
    this.store.update(this.key, (before) => {
      const count = (before?.count ?? 0) + 1;
      return {
        count,
        stopped: count >= MAX_REFUSALS || stop !== undefined,
        code: error.code,
        message: this.scrub(redactText(error.vendorMessage ?? error.message, tokens)).slice(0, 300),
        at: this.now(),
        ...(stop?.blockMs !== undefined && { until: this.now() + stop.blockMs }),
      };
    });
  }

  /** A login went through: these credentials' count starts again (other credentials' records stay). */
  succeeded(): void {
    try {
      if (this.store.get(this.key)) this.store.update(this.key, () => undefined);
    } catch {
      // unreadable: nothing to clear that could be read
    }
  }

  /** A record an earlier version kept for these same credentials becomes this one's. */
  private adoptLegacy(): void {
    if (this.legacyChecked || !this.legacy) return;
    this.legacyChecked = true;
    const { platform, host, user, secrets } = this.legacy;
    const oldKey = sha256(`${platform}\n${host.toLowerCase()}\n${user}`);
    const old = this.store.get(oldKey);
    if (!old || typeof old.salt !== 'string' || old.fingerprint !== sha256(`${old.salt}\n${secrets.join('\n')}`).slice(0, 16)) return;
    const { count, stopped, code, message, at, until } = old;
    this.store.update(this.key, (mine) => stricter(mine, { count, stopped, code, message, at, ...(until !== undefined && { until }) }));
    this.store.update(oldKey, () => undefined);
  }
}

function stoppedError(record: RefusalRecord): OpenApiError {
  const why = `${record.code}: ${record.message}`;
  const lead = record.count >= MAX_REFUSALS ? `the vendor refused ${record.count} logins in a row (${why})` : `the vendor warned before locking the account (${why})`;
  const resume = record.until !== undefined ? `, or after ${new Date(record.until).toISOString()}` : '';
  return new OpenApiError(
    ErrorCodes.LOGIN_BACKOFF,
    `logins stopped so the vendor does not lock the account: ${lead}. Correct the credentials in the account and deploy; no login is sent until they change${resume}`,
    {
      reason: 'loginsStopped',
      limits: { code: record.code, message: record.message, count: record.count, ...(record.until !== undefined && { until: record.until }) },
      vendorMessage: record.message,
    },
  );
}

function unreadableError(err: RefusalsUnreadable): OpenApiError {
  return new OpenApiError(
    ErrorCodes.LOGIN_BACKOFF,
    `logins stopped: ${err.message}, so it is not known how many logins the vendor may still refuse before it locks the account. Repair or remove the file; logins resume once it can be read`,
    { reason: 'refusalsUnreadable', limits: { file: err.where, why: err.why } },
  );
}
