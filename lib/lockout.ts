// Never lock a user's vendor account. Vendors lock an account after a few
// wrong passwords (Quectel: five) and block a network that keeps trying, so
// the logins the vendor refuses are counted per account identity (platform,
// host, user) in a store that outlives a redeploy or a restart. After
// MAX_REFUSALS in a row, or at once on a vendor's "attempts left" / "locked"
// code, no login is sent again until the credentials change.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCodes, OpenApiError } from './errors';

/** Logins the vendor may refuse in a row before no more are sent. */
export const MAX_REFUSALS = 3;

export interface RefusalRecord {
  /** A short salted hash of the credentials the refusals were for. */
  fingerprint: string;
  salt: string;
  count: number;
  stopped: boolean;
  /** The last refusal: the vendor's code and text. */
  code: string | number;
  message: string;
  at: number;
  /** A temporary block (milliseconds since the epoch) after which logins may resume by themselves. */
  until?: number;
}

/** Where refusal records live: keys are hashes of an account identity, never a name or a secret. */
export interface RefusalStore {
  get(key: string): RefusalRecord | undefined;
  set(key: string, record: RefusalRecord | undefined): void;
}

export class MemoryRefusalStore implements RefusalStore {
  private readonly records = new Map<string, RefusalRecord>();
  get(key: string): RefusalRecord | undefined {
    return this.records.get(key);
  }
  set(key: string, record: RefusalRecord | undefined): void {
    if (record) this.records.set(key, record);
    else this.records.delete(key);
  }
}

/**
 * Records kept in a JSON file (Node-RED's user directory). The file is read
 * on each use and rewritten whole on each change: only logins use it, they
 * are rare, and nothing held in memory can then disagree with it. A rename
 * makes the write atomic, so a crash never leaves half a file.
 */
export class FileRefusalStore implements RefusalStore {
  constructor(readonly file: string, private readonly onError: (err: Error) => void = () => undefined) {}

  get(key: string): RefusalRecord | undefined {
    return this.load().get(key);
  }

  set(key: string, record: RefusalRecord | undefined): void {
    const records = this.load();
    if (record) records.set(key, record);
    else if (!records.delete(key)) return;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const temp = `${this.file}.${process.pid}.tmp`;
      fs.writeFileSync(temp, JSON.stringify({ version: 1, accounts: Object.fromEntries(records) }, null, 1), { mode: 0o600 });
      fs.renameSync(temp, this.file);
    } catch (err) {
      this.onError(err as Error);
    }
  }

  private load(): Map<string, RefusalRecord> {
    const records = new Map<string, RefusalRecord>();
    try {
      const saved = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { accounts?: Record<string, RefusalRecord> };
      for (const [key, record] of Object.entries(saved.accounts ?? {})) {
        if (record && typeof record.fingerprint === 'string' && typeof record.count === 'number') records.set(key, record);
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.onError(err as Error);
    }
    return records;
  }
}

/** One store per process when nothing else is given, so every client of an account shares it. */
export const processRefusals = new MemoryRefusalStore();

export interface AccountIdentity {
  platform: string;
  /** host[:port] of the base URL. */
  host: string;
  user: string;
}

/** The account identity as a key: a hash, so no user name reaches a file or a shared store. */
export function identityKey(identity: AccountIdentity): string {
  return sha256(`${identity.platform}\n${identity.host.toLowerCase()}\n${identity.user}`);
}

/** What the vendor told about a refusal that stops logins at once. */
export interface StopSignal {
  /** How long the vendor blocks (ms), when it says so; logins may resume after it. */
  blockMs?: number;
}

/** Counts one account identity's refused logins and says when no more may be sent. */
export class LoginGuard {
  private readonly key: string;
  /**
   * The stop once seen: only new credentials (a new guard) or the end of a
   * vendor's block lift it, so a stream of calls need not read the store again.
   */
  private halt?: RefusalRecord;

  constructor(
    private readonly store: RefusalStore,
    identity: AccountIdentity,
    /** Every credential value: a change of any of them lets logins resume. */
    private readonly secrets: readonly string[],
    /** Scrubs what the vendor said of anything secret before it is kept (the vendor may echo the request). */
    private readonly scrub: (text: string) => string = (text) => text,
    private readonly now: () => number = Date.now,
  ) {
    this.key = identityKey(identity);
  }

  private fingerprint(salt: string): string {
    return sha256(`${salt}\n${this.secrets.join('\n')}`).slice(0, 16);
  }

  /** The record for these credentials, or undefined (none, or it was for other credentials). */
  private record(): RefusalRecord | undefined {
    const record = this.store.get(this.key);
    return record && record.fingerprint === this.fingerprint(record.salt) ? record : undefined;
  }

  /** The error to give instead of a login, or undefined when a login may be sent. */
  stopped(): OpenApiError | undefined {
    const record = this.halt ?? this.record();
    this.halt = undefined;
    if (!record?.stopped) return undefined;
    if (record.until !== undefined && this.now() >= record.until) return undefined;
    this.halt = record;
    return stoppedError(record);
  }

  /** Counts a refusal; `stop` when the vendor's code asks to stop at once. */
  refused(error: OpenApiError, stop?: StopSignal): void {
    const before = this.record();
    const salt = before?.salt ?? randomBytes(8).toString('hex');
    const count = (before?.count ?? 0) + 1;
    const record: RefusalRecord = {
      fingerprint: this.fingerprint(salt),
      salt,
      count,
      stopped: count >= MAX_REFUSALS || stop !== undefined,
      code: error.code,
      message: this.scrub(error.vendorMessage ?? error.message).slice(0, 300),
      at: this.now(),
    };
    if (stop?.blockMs !== undefined) record.until = this.now() + stop.blockMs;
    this.store.set(this.key, record);
  }

  /** A login went through: the count starts again. */
  succeeded(): void {
    if (this.store.get(this.key)) this.store.set(this.key, undefined);
  }
}

function stoppedError(record: RefusalRecord): OpenApiError {
  const why = `${record.code}: ${record.message}`;
  const lead = record.count >= MAX_REFUSALS ? `the vendor refused ${record.count} logins in a row (${why})` : `the vendor warned before locking the account (${why})`;
  const resume = record.until !== undefined ? `, or after ${new Date(record.until).toISOString()}` : '';
  return new OpenApiError(
    ErrorCodes.LOGIN_BACKOFF,
    `logins stopped so the vendor does not lock the account: ${lead}. Correct the credentials in the account and deploy; no login is sent until they change${resume}`,
    { reason: 'loginsStopped', limits: { code: record.code, message: record.message, count: record.count }, vendorMessage: record.message },
  );
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
