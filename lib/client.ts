// OpenApiClient: one per account. It validates, signs, sends and reads every
// call, sharing one session (token) and one HTTP transport per account.
import { checkAccountSetting } from './accounts';
import { Clock } from './clock';
import { ErrorCodes, OpenApiError, invalidInput, redactError, redactText } from './errors';
import { encodeQuery, Transport } from './http';
import { accountKeys } from './account-keys';
import { LoginGuard, processRefusals, type RefusalStore } from './lockout';
import { Pacer, checkPacing } from './pacing';
import { checkRedisUrl, RedisLink, type TokenStoreOptions } from './redis-link';
import { SharedRefusalStore, SharedSession, type TokenKeeper } from './shared-session';
import { runRecipe } from './devices';
import { checkKnown, forgetKnown } from './known';
import { getOperation, isRepeatable, type AuthMode, type Operation, type Recipe } from './operations';
import { Session, type SessionEvent, type TokenSet } from './session';
import { checkJsonValue, isPlainObject, isUnsafeKey, kindOf, MAX_BODY_BYTES, validateParams } from './validate';
import { CREDENTIAL_FIELDS, requiredCredentials, HTTP_METHODS, PLATFORMS, type AccountConfig, type CallResult, type HttpMethod, type Platform, type PreparedRequest, type RawRequest } from './types';
import { isClockRefusal, type PlatformAdapter } from './platforms/platform';
import { createAdapter, DEFAULT_BASE_URLS } from './platforms';

export interface ClientOptions {
  onEvent?: (event: SessionEvent) => void;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Retries of a read that creates nothing, after 5xx, 429 or a dropped connection. */
  retries?: number;
  retryBaseMs?: number;
  /** Where refused logins are counted (default: this process's memory); give a lasting store to keep the count across restarts. */
  refusals?: RefusalStore;
  /**
   * Where the token lives: this instance's memory (default), or Redis, shared
   * by every instance of the account with the login lease, the refusal count
   * and the pacing bucket.
   */
  store?: TokenStoreOptions;
  /** Requests a second the account sends at most (every request of a call, retries included; logins are not counted); 0 or undefined: no limit. */
  rateLimit?: number;
  /** Calls that may wait for the rate at once (default 100); one more fails with RATE_LIMITED, unsent. */
  rateQueue?: number;
}

/** Requests one call may send at most (each "too frequent" answer costs one, within the deadline). */
const MAX_ROUNDS = 30;

/** Bytes a query may take once encoded. */
export const MAX_QUERY_BYTES = 8 * 1024;

export interface PagingLimits {
  /** Most items gathered (default 100,000). */
  maxItems?: number;
  /** Most pages requested (default 100). */
  maxPages?: number;
  /** Most milliseconds spent on all pages together (default 2 minutes). */
  maxMs?: number;
}

export const DEFAULT_MAX_PAGES = 100;
export const DEFAULT_PAGING_MS = 120_000;

export interface PagedResult {
  items: unknown[];
  total: number | undefined;
  pages: number;
  meta: CallResult['meta'];
  /** Set when paging stopped at a limit before the last page. */
  truncated?: 'maxItems' | 'maxPages' | 'maxMs';
}

/** The base URL calls go to: the account's, or the platform's default; checked. */
export function resolveBaseUrl(config: Pick<AccountConfig, 'platform' | 'baseUrl'>): string {
  const url = (config.baseUrl ?? '').trim() || DEFAULT_BASE_URLS[config.platform];
  if (!url) throw invalidInput('baseUrl', 'required');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidInput('baseUrl', 'pattern');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalidInput('baseUrl', 'pattern');
  if (parsed.username || parsed.password || parsed.search || parsed.hash) throw invalidInput('baseUrl', 'pattern');
  return url.replace(/\/+$/, '');
}

export class OpenApiClient {
  readonly platform: Platform;
  private readonly clock = new Clock();
  private readonly transport: Transport;
  private readonly adapter: PlatformAdapter;
  private readonly session?: TokenKeeper;
  private readonly pacer: Pacer;
  private readonly link?: RedisLink;
  private readonly config: AccountConfig;
  private readonly timeout: number;

  constructor(config: AccountConfig, options: ClientOptions = {}) {
    if (!PLATFORMS.includes(config?.platform)) throw invalidInput('platform', 'enum', { values: PLATFORMS.join(', ') });
    this.platform = config.platform;
    const timeout = checkAccountSetting('timeout', config.timeout) as number;
    this.timeout = timeout;
    // A copy holding exactly the platform's credentials, each one given: the adapters rely on both.
    const given: Record<string, unknown> = { ...config.credentials };
    const credentials: Record<string, string> = {};
    const required = requiredCredentials(config);
    for (const name of Object.keys(CREDENTIAL_FIELDS[this.platform])) {
      const value = given[name];
      if (!required.includes(name) && (value === undefined || value === null || value === '')) continue;
      if (value === undefined || value === null || value === '') throw invalidInput(name, 'required');
      if (typeof value !== 'string' && typeof value !== 'number') throw invalidInput(name, 'type', { expected: 'a string' });
      credentials[name] = String(value);
    }
    this.config = { ...config, credentials } as AccountConfig;
    const baseUrl = resolveBaseUrl(config);
    // Checked before anything is opened, so a bad setting leaves nothing behind.
    const pacing = checkPacing(options.rateLimit, options.rateQueue);
    if (options.store?.kind === 'redis') checkRedisUrl(options.store.url);
    this.transport = new Transport({
      platform: this.platform,
      baseUrl,
      timeout,
      clock: this.clock,
      retries: options.retries,
      retryBaseMs: options.retryBaseMs,
    });
    this.adapter = createAdapter({ config: this.config, transport: this.transport, clock: this.clock });
    // What the account's shared state is kept under: everything that scopes its session, the secrets only through a slow keyed hash.
    const fields = CREDENTIAL_FIELDS[this.platform] as Record<string, 'text' | 'password'>;
    const names: Record<string, string> = {};
    for (const [name, value] of Object.entries(config)) if (typeof value === 'string' && name !== 'platform' && name !== 'baseUrl') names[name] = value;
    for (const [name, value] of Object.entries(credentials)) if (fields[name] === 'text') names[`credentials.${name}`] = value;
    const keys = accountKeys({ platform: this.platform, baseUrl, names, secrets: Object.keys(fields).filter((name) => fields[name] === 'password').map((name) => credentials[name] ?? '') });
    if (options.store?.kind === 'redis') {
      this.link = new RedisLink(options.store);
      this.link.watch((status) => options.onEvent?.({ type: 'store', shared: status.shared, ...(status.reason ? { reason: status.reason } : {}) }));
    }
    this.pacer = new Pacer({ ...pacing, shared: this.link && { link: this.link, id: keys.identity } });
    const { login, refresh, renewAt, stopSignal } = this.adapter;
    if (login && renewAt) {
      const local = options.refusals ?? processRefusals;
      const refusals = this.link ? new SharedRefusalStore(local, this.link, keys, `${keys.identity}.${keys.fingerprint}`) : local;
      const scrub = (text: string) => redactText(text, [...this.adapter.secrets(), ...(this.session?.tokens() ?? [])]);
      // A record an earlier version kept under platform, host and user is taken over.
      const legacy = { platform: this.platform, host: new URL(baseUrl).host, user: this.adapter.user(), secrets: Object.values(credentials) };
      let shared: SharedSession | undefined;
      const session = new Session(
        { login, refresh, renewAt, stopSignal },
        {
          clock: this.clock,
          onEvent: options.onEvent,
          backoffBaseMs: options.backoffBaseMs,
          backoffMaxMs: options.backoffMaxMs,
          guard: new LoginGuard(refusals, keys, scrub, Date.now, legacy),
          // With a shared token, renewal is agreed between the instances.
          renewDue: this.link ? () => shared?.renewDue() : undefined,
        },
      );
      if (this.link) {
        shared = new SharedSession(session, this.link, keys, { clock: this.clock, waitMs: timeout, refusals: refusals as SharedRefusalStore });
        this.session = shared;
      } else {
        this.session = session;
      }
    }
  }

  /** Calls a catalogue operation with its parameters (checked before anything is sent). */
  async call(operationId: string, params?: unknown): Promise<CallResult> {
    const op = getOperation(operationId);
    if (!op) throw invalidInput('operation', 'enum', { values: operationId });
    if (op.platform !== this.platform) throw invalidInput('operation', 'enum', { values: `an operation of ${this.platform}` });
    const values = validateParams(op, params, this.config);
    if (op.recipe) return runRecipe(this, op as Operation & { recipe: Recipe }, values);
    if (op.checked) await checkKnown(this, op, values);
    const query: Record<string, string> = {};
    let body: Record<string, unknown> | undefined;
    for (const spec of op.params) {
      if (!(spec.name in values)) continue;
      if (spec.in === 'query') query[spec.name] = String(values[spec.name]);
      else if (spec.group) (((body ??= {})[spec.group] ??= {}) as Record<string, unknown>)[spec.name] = values[spec.name];
      else (body ??= {})[spec.name] = values[spec.name];
    }
    // A body-carrying call with nothing set still sends an empty JSON object.
    if (!body && op.params.some((p) => p.in === 'body')) body = {};
    const secrets = op.params.filter((p) => p.secret && p.name in values).map((p) => String(values[p.name]));
    const result = await this.execute({ method: op.method, path: op.path, query, headers: {}, body }, op.auth, op, secrets);
    // A layer added or deleted: the lists are read again before the next checked write.
    if (op.checked && (op.creates || op.removes)) forgetKnown(this);
    return result;
  }

  /** Any endpoint of the platform: method, path relative to the base URL, query and JSON body. */
  async request(raw: RawRequest): Promise<CallResult> {
    const rule = this.adapter.raw;
    const method = String(raw?.method ?? rule.defaultMethod).toUpperCase() as HttpMethod;
    if (!HTTP_METHODS.includes(method)) throw invalidInput('method', 'enum', { values: HTTP_METHODS.join(', ') });
    const given = raw?.path;
    if (typeof given !== 'string' || given.length > 512) throw invalidInput('path', 'type', { expected: 'a string of at most 512 characters' });
    const path = rule.path(given);
    if (path === undefined) throw invalidInput('path', 'pattern');
    const query: Record<string, string> = {};
    if (raw.query !== undefined && raw.query !== null) {
      if (!isPlainObject(raw.query)) throw invalidInput('query', 'type', { expected: `an object, not ${kindOf(raw.query)}` });
      for (const [key, value] of Object.entries(raw.query)) {
        if (isUnsafeKey(key)) throw invalidInput('query', 'unsafeKey', { key });
        if (value === undefined || value === null) continue;
        if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw invalidInput(`query.${key}`, 'type', { expected: 'a string, number or boolean' });
        query[key] = String(value);
      }
      if (Buffer.byteLength(encodeQuery(query)) > MAX_QUERY_BYTES) throw invalidInput('query', 'tooLong', { limit: `${MAX_QUERY_BYTES} bytes once encoded` });
    }
    const body = rule.sendsBody(method) ? raw.body : undefined;
    if (body !== undefined) {
      checkJsonValue('payload', body);
      if (Buffer.byteLength(JSON.stringify(body)) > MAX_BODY_BYTES) throw invalidInput('payload', 'tooLong', { limit: `${MAX_BODY_BYTES} bytes` });
    }
    return this.execute({ method, path, query, headers: {}, body }, rule.auth);
  }

  /**
   * Every page of a paged operation, within limits: a vendor that claims a
   * billion items must not turn one message into thousands of requests.
   */
  async callAllPages(operationId: string, params?: unknown, limits: PagingLimits = {}): Promise<PagedResult> {
    const op = getOperation(operationId);
    if (!op?.paging) throw invalidInput('operation', 'enum', { values: 'a paged operation' });
    const paging = op.paging;
    const maxItems = limits.maxItems ?? 100_000;
    const maxPages = limits.maxPages ?? DEFAULT_MAX_PAGES;
    const maxMs = limits.maxMs ?? DEFAULT_PAGING_MS;
    const base = isPlainObject(params) ? { ...params } : params;
    const items: unknown[] = [];
    const first = Number((base as Record<string, unknown> | undefined)?.[paging.page] ?? 1) || 1;
    const size = Number((base as Record<string, unknown> | undefined)?.[paging.size] ?? 100) || 100;
    let total: number | undefined;
    let meta: CallResult['meta'] | undefined;
    let pages = 0;
    let truncated: PagedResult['truncated'];
    const started = Date.now();
    for (let page = first; ; page++) {
      const result = await this.call(operationId, { ...(base as object), [paging.page]: page, [paging.size]: size });
      pages++;
      meta = result.meta;
      const found = dig(result.raw, paging.items);
      const pageItems: unknown[] = Array.isArray(found) ? found : [];
      total = Number(dig(result.raw, paging.total)) || undefined;
      items.push(...pageItems);
      if (pageItems.length < size || items.length >= (total ?? Infinity)) break;
      truncated = items.length >= maxItems ? 'maxItems' : pages >= maxPages ? 'maxPages' : Date.now() - started >= maxMs ? 'maxMs' : undefined;
      if (truncated) break;
    }
    return { items: items.slice(0, maxItems), total, pages, truncated, meta: { ...meta, durationMs: Date.now() - started } };
  }

  /** Proves the credentials work: a login, or the platform's probe where it has none. */
  async testConnection(): Promise<void> {
    try {
      if (this.session) await this.session.renew();
      else if (this.adapter.probe) await this.request(this.adapter.probe);
    } catch (err) {
      throw this.redact(err);
    }
  }

  /** Cancels timers and every request in flight. */
  close(): void {
    this.session?.close();
    this.pacer.close();
    this.transport.close();
    this.link?.close();
  }

  /** Sends a call; `secrets`, the values of its secret parameters, are scrubbed from its error or message. */
  private async execute(req: PreparedRequest, auth: AuthMode, op?: Operation, secrets: readonly string[] = []): Promise<CallResult> {
    const started = Date.now();
    const needsToken = this.adapter.needsToken(auth) && this.session !== undefined;
    // The account's timeout is the limit on the whole call: the wait for a login, retries and all.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.timeout);
    const token = () => beforeDeadline(this.session!.token(), deadline.signal, this.timeout);
    // The vendor's last "too frequent": what the call ends with when its time runs out waiting to send it again.
    let tooFrequent: OpenApiError | undefined;
    // Every request of the call waits its turn under the account's rate; the wait counts against the deadline.
    const gate = {
      before: (signal?: AbortSignal) =>
        this.pacer.acquire(signal).catch((err: unknown) => {
          // The deadline came while waiting: after a "too frequent", the vendor's code; else the pacer's own reason.
          const ownReason = err instanceof OpenApiError && err.reason === 'rateWait';
          throw deadline.signal.aborted ? (tooFrequent ?? (ownReason ? err : timedOut(this.timeout))) : err;
        }),
    };
    try {
      let current: TokenSet | undefined = needsToken ? await token() : undefined;
      let attempts = 0;
      let tokenRefused = false;
      let clockRefused = false;
      for (let round = 1; ; round++) {
        // Signed again on each round: a fresh timestamp, random and token.
        const signedAt = this.clock.now();
        const signed = this.adapter.sign(req, auth, current);
        const answer = await this.transport.send(signed, isRepeatable({ method: signed.method, creates: op?.creates }), deadline.signal, gate);
        attempts += answer.attempts;
        try {
          const read = this.adapter.read(answer, signed);
          return {
            data: read.data,
            raw: read.raw,
            meta: {
              platform: this.platform,
              operation: op?.id,
              method: signed.method,
              path: req.path,
              httpStatus: answer.status,
              code: read.code,
              message: redactText(read.message, secrets),
              durationMs: Date.now() - started,
              attempts,
              ...(read.signVerified !== undefined && { signVerified: read.signVerified }),
            },
          };
        } catch (err) {
          if (!(err instanceof OpenApiError)) throw err;
          // "Too frequent" is a refusal without action: slow the account down and send it again, read or write,
          // for as long as the call's deadline allows (the pacer's wait counts against it).
          if (this.adapter.isTooFrequent(err) && round < MAX_ROUNDS) {
            tooFrequent = err;
            this.pacer.slowDown(this.adapter.retryAfterMs?.(err));
            continue;
          }
          if (needsToken && current && !tokenRefused && this.adapter.isTokenRejected(err)) {
            tokenRefused = true;
            const refused = current;
            this.session.invalidate(refused);
            // Sent again only with a token obtained after this refusal, never the refused one.
            current = await token();
            if (current.accessToken === refused.accessToken) throw err;
            continue;
          }
          // The clock was already corrected from this answer's Date header.
          if (!clockRefused && isClockRefusal(err, this.adapter, signedAt)) {
            clockRefused = true;
            continue;
          }
          throw err;
        }
      }
    } catch (err) {
      throw this.redact(err, secrets);
    } finally {
      clearTimeout(timer);
    }
  }

  private redact(err: unknown, secrets: readonly string[] = []): OpenApiError {
    const error = err instanceof OpenApiError ? err : new OpenApiError(ErrorCodes.BAD_RESPONSE, `unexpected failure: ${(err as Error)?.message ?? String(err)}`, { platform: this.platform });
    return redactError(error, [...this.adapter.secrets(), ...(this.session?.tokens() ?? []), ...secrets]);
  }
}

function dig(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** A wait (for a login) that gives up when the call's deadline passes; the login itself goes on for other callers. */
function beforeDeadline<T>(wait: Promise<T>, deadline: AbortSignal, timeout: number): Promise<T> {
  if (deadline.aborted) return Promise.reject(timedOut(timeout));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(timedOut(timeout));
    deadline.addEventListener('abort', onAbort, { once: true });
    wait.then(resolve, reject).finally(() => deadline.removeEventListener('abort', onAbort));
  });
}

function timedOut(timeout: number): OpenApiError {
  return new OpenApiError(ErrorCodes.ETIMEDOUT, `no complete answer within the timeout of ${timeout} ms`, { retryable: true });
}
