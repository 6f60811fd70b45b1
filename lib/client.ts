// OpenApiClient: one per account. It validates, signs, sends and reads every
// call, sharing one session (token), one pacer and one HTTP transport per
// account; lib/client-setup.ts builds those parts. A call reads as its steps:
// check, (a composite: the platform runs it), sign, wait for the rate, send,
// read; a refusal that a repeat mends is repeated as lib/retry-policy.ts says.
import type { Caller, PagedResult, PagingLimits } from './caller';
import { setUpClient, type ClientOptions, type ClientParts } from './client-setup';
import { ErrorCodes, OpenApiError, invalidInput, redactError, redactText } from './errors';
import { encodeQuery } from './http';
import { getOperation, isComposite, isRepeatable, type AuthMode, type Operation, type VendorCall } from './operations';
import type { Connected } from './platforms/platform';
import { RetryBudget, type RetryRule } from './retry-policy';
import type { TokenSet } from './session';
import { checkJsonValue, isPlainObject, isUnsafeKey, kindOf, MAX_BODY_BYTES, validateParams } from './validate';
import { HTTP_METHODS, type AccountConfig, type CallResult, type HttpMethod, type Platform, type PreparedRequest, type RawRequest } from './types';

export { resolveBaseUrl, type ClientOptions } from './client-setup';
export type { PagedResult, PagingLimits } from './caller';

/** Bytes a query may take once encoded. */
export const MAX_QUERY_BYTES = 8 * 1024;
export const DEFAULT_MAX_PAGES = 100;
export const DEFAULT_PAGING_MS = 120_000;
/**
 * A token another of the vendor's services refused is dropped at most once in
 * this time: a service that refuses every token gets the same one back (and
 * waits) instead of turning each refusal into a login.
 */
export const TOKEN_REFUSAL_SPACING_MS = 5_000;

/** One call's limit in time: a timer that aborts everything the call still waits for. */
class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  /** The vendor's last "too frequent": what the call ends with if its time runs out waiting to repeat. */
  tooFrequent?: OpenApiError;

  constructor(readonly ms: number) {
    this.timer = setTimeout(() => this.controller.abort(), ms);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** A wait (for a login) that gives up when the deadline passes; the login itself goes on for other callers. */
  wait<T>(promise: Promise<T>): Promise<T> {
    if (this.signal.aborted) return Promise.reject(this.timedOut());
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(this.timedOut());
      this.signal.addEventListener('abort', onAbort, { once: true });
      promise.then(resolve, reject).finally(() => this.signal.removeEventListener('abort', onAbort));
    });
  }

  /** What a wait cut short by the deadline throws: the vendor's "too frequent", the pacer's own reason, or a timeout. */
  cutShort(err: unknown): unknown {
    if (!this.signal.aborted) return err;
    if (this.tooFrequent) return this.tooFrequent;
    return err instanceof OpenApiError && err.reason === 'rateWait' ? err : this.timedOut();
  }

  timedOut(): OpenApiError {
    return new OpenApiError(ErrorCodes.ETIMEDOUT, `no complete answer within the timeout of ${this.ms} ms`, { retryable: true });
  }

  end(): void {
    clearTimeout(this.timer);
  }
}

export class OpenApiClient implements Caller {
  readonly platform: Platform;
  private readonly parts: ClientParts;
  /** The last token handed out by accessToken(), and when one was last dropped at another service's word. */
  private handedOut?: TokenSet;
  private lastDropped = 0;

  constructor(config: AccountConfig, options: ClientOptions = {}) {
    this.parts = setUpClient(config, options);
    this.platform = this.parts.platform;
  }

  /** Calls a catalogue operation with its parameters (checked before anything is sent). */
  async call(operationId: string, params?: unknown): Promise<CallResult> {
    const op = this.operation(operationId);
    const values = validateParams(op, params, this.parts.config);
    const { adapter } = this.parts;
    if (isComposite(op)) {
      const run = adapter.composites?.[op.id];
      if (!run) throw invalidInput('operation', 'enum', { values: `an operation of ${this.platform}` });
      const result = await run(this, op, values);
      return { ...result, meta: { ...result.meta, operation: op.id } };
    }
    await adapter.beforeSend?.(this, op, values);
    const secrets = op.params.filter((p) => p.secret && p.name in values).map((p) => String(values[p.name]));
    const result = await this.execute(prepare(op, values), op.auth, op, secrets);
    adapter.afterSend?.(op);
    return result;
  }

  /** A catalogue operation's parameters as they would be sent, or INVALID_INPUT; nothing is sent. */
  check(operationId: string, params?: unknown): Record<string, unknown> {
    return validateParams(this.operation(operationId), params, this.parts.config);
  }

  /** Any endpoint of the platform: method, path relative to the base URL, query and JSON body. */
  async request(raw: RawRequest): Promise<CallResult> {
    const rule = this.parts.adapter.raw;
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
    const { session, adapter } = this.parts;
    try {
      if (session) await session.renew();
      else if (adapter.probe) await this.request(adapter.probe);
    } catch (err) {
      throw this.redact(err);
    }
  }

  /** Who the account is connected as, after a login: what Test connection shows. */
  connectedAs(): Promise<Connected> {
    return this.parts.adapter.connectedAs(this);
  }

  /**
   * The account's current access token (a login first when it has none), for
   * another of the vendor's services that logs in with it (a push channel
   * of the platform's). Fails as a call's login fails; without a login on the
   * platform, INVALID_INPUT.
   */
  async accessToken(): Promise<string> {
    const { session } = this.parts;
    if (!session) throw invalidInput('operation', 'enum', { values: 'a platform with a login' });
    try {
      this.handedOut = await session.token();
      return this.handedOut.accessToken;
    } catch (err) {
      throw this.redact(err);
    }
  }

  /**
   * Another service refused `accessToken` (given by accessToken()): the
   * session drops it, so the next accessToken() logs in again. It is a
   * refusal of the token, not of the password: it never counts toward the cap
   * on refused logins. At most once every TOKEN_REFUSAL_SPACING_MS.
   */
  tokenRefused(accessToken: string): void {
    const { session, clock } = this.parts;
    const token = this.handedOut;
    if (!session || token?.accessToken !== accessToken) return;
    const now = clock.now();
    if (now - this.lastDropped < TOKEN_REFUSAL_SPACING_MS) return;
    this.lastDropped = now;
    session.invalidate(token);
  }

  /** Cancels timers and every request in flight. */
  close(): void {
    const { session, pacer, transport, link } = this.parts;
    session?.close();
    pacer.close();
    transport.close();
    link?.close();
  }

  /** The catalogue operation of this account's platform. */
  private operation(operationId: string): Operation {
    const op = getOperation(operationId);
    if (!op) throw invalidInput('operation', 'enum', { values: operationId });
    if (op.platform !== this.platform) throw invalidInput('operation', 'enum', { values: `an operation of ${this.platform}` });
    return op;
  }

  /**
   * Sends a request within the account's timeout: the token, then each
   * attempt signed afresh, paced, sent and read; a refusal that a repeat
   * mends is repeated. `secrets`, the values of its secret parameters, are
   * scrubbed from its error or message.
   */
  private async execute(req: PreparedRequest, auth: AuthMode, op?: VendorCall, secrets: readonly string[] = []): Promise<CallResult> {
    const { adapter, session, transport, pacer, clock } = this.parts;
    const started = Date.now();
    const deadline = new Deadline(this.parts.timeout);
    const gate = {
      before: (signal?: AbortSignal) =>
        pacer.acquire(signal).catch((err: unknown) => {
          throw deadline.cutShort(err);
        }),
    };
    const retries = new RetryBudget();
    try {
      let token = adapter.needsToken(auth) && session ? await deadline.wait(session.token()) : undefined;
      for (let attempts = 0; ;) {
        const signedAt = clock.now();
        const signed = adapter.sign(req, auth, token);
        const answer = await transport.send(signed, isRepeatable({ method: signed.method, creates: op?.creates }), deadline.signal, gate);
        attempts += answer.attempts;
        try {
          const read = adapter.read(answer, signed);
          const meta = { platform: this.platform, operation: op?.id, method: signed.method, path: req.path, httpStatus: answer.status, code: read.code, message: redactText(read.message, secrets), durationMs: Date.now() - started, attempts };
          return { data: read.data, raw: read.raw, meta: { ...meta, ...(read.signVerified !== undefined && { signVerified: read.signVerified }) } };
        } catch (err) {
          const rule = err instanceof OpenApiError ? retries.next({ error: err, adapter, signedAt, withToken: token !== undefined }) : undefined;
          if (!rule) throw err;
          token = await this.beforeRepeat(rule, err as OpenApiError, token, deadline);
        }
      }
    } catch (err) {
      throw this.redact(err, secrets);
    } finally {
      deadline.end();
    }
  }

  /** What a repeat needs first, as its rule says; the token to send it with. */
  private async beforeRepeat(rule: RetryRule, err: OpenApiError, token: TokenSet | undefined, deadline: Deadline): Promise<TokenSet | undefined> {
    const { adapter, session, pacer } = this.parts;
    switch (rule.remedy) {
      case 'slow down':
        deadline.tooFrequent = err;
        pacer.slowDown(adapter.retryAfterMs?.(err));
        return token;
      case 'new token': {
        session!.invalidate(token!);
        // Sent again only with a token obtained after this refusal, never the refused one.
        const fresh = await deadline.wait(session!.token());
        if (fresh.accessToken === token!.accessToken) throw err;
        return fresh;
      }
      case 'as it is':
        return token;
    }
  }

  private redact(err: unknown, secrets: readonly string[] = []): OpenApiError {
    const error = err instanceof OpenApiError ? err : new OpenApiError(ErrorCodes.BAD_RESPONSE, `unexpected failure: ${(err as Error)?.message ?? String(err)}`, { platform: this.platform });
    return redactError(error, [...this.parts.adapter.secrets(), ...(this.parts.session?.tokens() ?? []), ...secrets]);
  }
}

/** A vendor call's request: each parameter where the catalogue puts it. */
function prepare(op: VendorCall, values: Record<string, unknown>): PreparedRequest {
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
  return { method: op.method, path: op.path, query, headers: {}, body };
}

function dig(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
