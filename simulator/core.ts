// The simulator's memory and clock, shared by every platform's handlers.
import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Faults } from './faults';
import { RateLimiter, type ApiPlatform, type RateLimit } from './rate-limit';
import { seedState, type SimState, type TokenKind, type TokenPlatform, type TokenRecord } from './state';

export interface Lifetimes {
  quectelAppAccess: number;
  quectelAppRefresh: number;
  quectelSaas: number;
  onbright: number;
}

export interface CoreOptions {
  lifetimes: Lifetimes;
  novastarEncrypt: boolean;
  fixedSmsCode: boolean;
  quiet: boolean;
  /** The per-account rate limit at start (and after reset); undefined: none. */
  rateLimit?: RateLimit;
}

export interface Counters {
  logins: Record<TokenPlatform, number>;
  refreshes: Record<TokenPlatform, number>;
  /** Calls refused for going beyond the per-account rate limit, by platform. */
  rateLimited: Record<ApiPlatform, number>;
  /** By path, without the query. */
  requests: Record<string, number>;
  total: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Parsed JSON, else the raw text; undefined when there was no body. */
  body: unknown;
  rawBody: string;
  /** Real time, milliseconds. */
  at: number;
}

export const MAX_RECORDED = 1000;

function emptyCounters(): Counters {
  return {
    logins: { 'quectel-app': 0, 'quectel-saas': 0, onbright: 0 },
    refreshes: { 'quectel-app': 0, 'quectel-saas': 0, onbright: 0 },
    rateLimited: { 'quectel-app': 0, 'quectel-saas': 0, onbright: 0, novastar: 0 },
    requests: {},
    total: 0,
  };
}

/**
 * A message of the Quectel SaaS AMQP subscription, shaped as the subscription
 * documents define it: who, what type (ONLINE, MATTR, MEVENT, …), when, a
 * ticket, and the type's data. Numbers in property values are strings, as the
 * vendor pushes them.
 */
export interface SubscriptionMessage {
  productKey: string;
  deviceKey: string;
  type: string;
  subtype?: string;
  createdAt: number;
  ticket: string;
  data: Record<string, unknown>;
  [field: string]: unknown;
}

/** How a presented token fared: the record when it is valid, else why not. */
export type TokenCheck =
  | { ok: true; record: TokenRecord }
  | { ok: false; problem: 'missing' | 'unknown' | 'expired' | 'wrong-kind'; record?: TokenRecord };

export class SimCore {
  readonly state: SimState = seedState();
  counters: Counters = emptyCounters();
  requests: RecordedRequest[] = [];
  readonly faults: Faults;
  /** The per-account rate limit and the times of the calls it let through. */
  readonly limiter: RateLimiter;
  novastarEncrypt: boolean;
  /** Emits 'message' with a SubscriptionMessage whenever a simulated device reports something. */
  readonly subscription = new EventEmitter();

  constructor(readonly options: CoreOptions) {
    this.novastarEncrypt = options.novastarEncrypt;
    this.faults = new Faults((platform) => this.expireTokens(platform));
    this.limiter = new RateLimiter(options.rateLimit);
  }

  /** The server's clock, in milliseconds. */
  now(): number {
    return Date.now() + this.faults.clockOffsetMs;
  }

  log(line: string): void {
    if (!this.options.quiet) console.log(`[simulator] ${line}`);
  }

  record(entry: RecordedRequest): void {
    this.counters.total++;
    this.counters.requests[entry.path] = (this.counters.requests[entry.path] ?? 0) + 1;
    this.requests.push(entry);
    if (this.requests.length > MAX_RECORDED) this.requests.splice(0, this.requests.length - MAX_RECORDED);
  }

  /** A device reported something: the AMQP endpoint delivers it to the queues subscribed to its product. */
  publish(message: SubscriptionMessage): void {
    this.subscription.emit('message', message);
  }

  reset(): void {
    Object.assign(this.state, seedState());
    this.counters = emptyCounters();
    this.requests = [];
    this.faults.clear();
    this.limiter.reset(this.options.rateLimit);
    this.novastarEncrypt = this.options.novastarEncrypt;
  }

  issueToken(platform: TokenPlatform, kind: TokenKind, subject: string, lifetimeSeconds: number, extra: Partial<TokenRecord> = {}): TokenRecord {
    const now = this.now();
    const record: TokenRecord = {
      token: newTokenText(kind, subject, now, now + lifetimeSeconds * 1000),
      platform,
      kind,
      subject,
      issuedAt: now,
      expiresAt: now + lifetimeSeconds * 1000,
      lastRefreshAt: now,
      ...extra,
    };
    this.state.tokens.set(record.token, record);
    return record;
  }

  checkToken(token: string | undefined, platform: TokenPlatform, kinds: readonly TokenKind[]): TokenCheck {
    if (!token) return { ok: false, problem: 'missing' };
    const record = this.state.tokens.get(token);
    if (!record || record.platform !== platform) return { ok: false, problem: 'unknown' };
    if (!kinds.includes(record.kind)) return { ok: false, problem: 'wrong-kind', record };
    if (record.revoked || record.expiresAt <= this.now()) return { ok: false, problem: 'expired', record };
    return { ok: true, record };
  }

  /** Seconds left, as the vendors' expires_in counts them. */
  secondsLeft(record: TokenRecord): number {
    // Rounded: a fresh token answered a millisecond later still says its full lifetime.
    return Math.max(0, Math.round((record.expiresAt - this.now()) / 1000));
  }

  private expireTokens(platform?: TokenPlatform): void {
    for (const record of this.state.tokens.values()) {
      if (platform === undefined || record.platform === platform) record.expiresAt = 0;
    }
  }
}

/** A JWT-looking text: base64url header, payload and an opaque signature of the given size. */
function jwt(alg: string, payload: Record<string, unknown>, signatureBytes: number): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg })}.${part(payload)}.${randomBytes(signatureBytes).toString('base64url')}`;
}

/**
 * Token texts look like each vendor's. Quectel App: "Bearer " and an RS256 JWT
 * whose payload names the user (uid) and the token type, as the App access
 * guide's login example shows; SaaS: "QJWT " and an HS256 JWT whose subject is
 * the AccessKey, as the SaaS refresh page's example shows; both with `exp` in
 * seconds and a random `jti`. On-Bright: a UUID. Nothing reads the payload
 * back: tokens are still looked up by their exact text.
 */
function newTokenText(kind: TokenKind, subject: string, issuedAt: number, expiresAt: number): string {
  const iat = Math.floor(issuedAt / 1000);
  const exp = Math.floor(expiresAt / 1000);
  const jti = randomBytes(16).toString('base64url');
  switch (kind) {
    case 'access':
    case 'refresh':
      return `Bearer ${jwt('RS256', {
        iss: 'enduser', aud: 'Audience', exp, jti, iat, nbf: iat - 120, sub: 'subject', uid: subject,
        type: kind === 'access' ? 'AccessToken' : 'RefreshToken',
      }, 256)}`;
    case 'saas':
      return `QJWT ${jwt('HS256', { sub: subject, iat, jti: randomUUID(), uty: 'per', exp, am: 'AccessKey', sp: '' }, 32)}`;
    default:
      return randomUUID();
  }
}
