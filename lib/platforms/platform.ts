import { ErrorCodes, OpenApiError } from '../errors';
import type { Clock } from '../clock';
import type { Transport } from '../http';
import type { Caller } from '../caller';
import { isRepeatable, type AuthMode, type CompositeOperation, type VendorCall } from '../operations';
import type { Authenticator, TokenSet } from '../session';
import type { AccountConfig, CallResult, HttpAnswer, HttpMethod, Platform, PreparedRequest, RawRequest } from '../types';

/** Runs a catalogue operation made of other calls, its own parameters already checked. */
export type CompositeRunner = (caller: Caller, op: CompositeOperation, values: Record<string, unknown>) => Promise<CallResult>;

/** What a platform adapter is given to work with. */
export interface PlatformContext<A extends AccountConfig = AccountConfig> {
  config: A;
  transport: Transport;
  clock: Clock;
}

/** The business part of an answer. */
export interface ReadAnswer {
  data: unknown;
  code: string | number | undefined;
  message: string;
  raw: Record<string, unknown>;
  /** See CallMeta.signVerified; set by platforms whose answers are signed. */
  signVerified?: boolean | null;
}

/** How a platform takes a raw call: any endpoint, with the method and path a user gives. */
export interface RawCallRule {
  /** The method when the call names none. */
  defaultMethod: HttpMethod;
  /** How raw calls are authenticated. */
  auth: AuthMode;
  /** The path as it is sent, or undefined when the platform refuses it. */
  path(path: string): string | undefined;
  /** Whether a body goes with a call of this method. */
  sendsBody(method: HttpMethod): boolean;
}

/** Raw calls of a REST platform: GET unless told, with the session's token, a plain path under the base URL, no body on a GET. */
export const REST_RAW_CALLS: RawCallRule = {
  defaultMethod: 'GET',
  auth: 'token',
  path: (path) => (/^\/[A-Za-z0-9._~\-/]*$/.test(path) && !path.includes('..') && !path.startsWith('//') ? path : undefined),
  sendsBody: (method) => method !== 'GET',
};

/** One vendor: how to log in, how to sign a request, how to read an answer. */
export interface PlatformAdapter extends Partial<Authenticator> {
  readonly platform: Platform;
  /** How it takes a call to any endpoint (OpenApiClient.request). */
  readonly raw: RawCallRule;
  /** For a platform without a login: a harmless call that proves the credentials work. */
  readonly probe?: RawRequest;
  /** Whether calls of this auth mode carry the session's token. */
  needsToken(auth: AuthMode): boolean;
  /** Adds the signature, encryption or token to a request. */
  sign(req: PreparedRequest, auth: AuthMode, token?: TokenSet): PreparedRequest;
  /** Reads an answer; throws OpenApiError for a refusal or an unreadable answer. */
  read(answer: HttpAnswer, req: PreparedRequest): ReadAnswer;
  /** The vendor refused the token: drop it, log in again, retry once. */
  isTokenRejected(err: OpenApiError): boolean;
  /** The vendor refused the timestamp: the clock was corrected from the answer, retry once. */
  isTimestampRejected(err: OpenApiError): boolean;
  /**
   * The vendor refused because requests come too often, without acting on
   * this one (so even a write may be sent again after a pause): HTTP 429, and
   * each vendor's own codes.
   */
  isTooFrequent(err: OpenApiError): boolean;
  /** How long the vendor asked to wait before the next request, where it says (ms). */
  retryAfterMs?(err: OpenApiError): number | undefined;
  /** Credential values and transient secrets to scrub from any error text. */
  secrets(): string[];
  /** Who logs in, as the vendor counts failed logins (with the platform and host: the account's identity). */
  user(): string;
  /** The platform's operations made of other calls, by operation id. */
  readonly composites?: Readonly<Record<string, CompositeRunner>>;
  /** Checks a vendor call beyond its parameters before it is sent (with calls of its own where needed); throws INVALID_INPUT. */
  beforeSend?(caller: Caller, op: VendorCall, values: Record<string, unknown>): Promise<void>;
  /** A vendor call went through. */
  afterSend?(op: VendorCall): void;
  /** Who the account logs in as (masked), and what one cheap call more tells: what Test connection shows. */
  connectedAs(caller: Caller): Promise<Connected>;
}

/** Who an account is connected as: the user (masked where it is personal), and a device count or the processor's model where a cheap call tells. */
export interface Connected {
  user: string;
  devices?: number;
  model?: string;
}

/** A vendor's or user's value as an editor shows it: a short single line, or nothing. */
export function shown(value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number') return '';
  return [...String(value)].map((c) => (c < ' ' || c === '\u007f' ? ' ' : c)).join('').trim().slice(0, 64);
}

/** Parses a JSON object answer, or throws BAD_RESPONSE (or the HTTP status when the body says nothing). */
export function parseJsonObject(answer: HttpAnswer, platform: Platform, path: string): Record<string, unknown> {
  const details = { platform, path, httpStatus: answer.status };
  let body: unknown;
  try {
    body = answer.text.trim() === '' ? undefined : JSON.parse(answer.text);
  } catch {
    body = undefined;
  }
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
  if (answer.status >= 400) {
    return throwHttp(answer, platform, path);
  }
  const what = answer.text.trim() === '' ? 'an empty answer' : /^\s*</.test(answer.text) ? 'an HTML page instead of JSON' : 'an answer that is not a JSON object';
  throw new OpenApiError(ErrorCodes.BAD_RESPONSE, `the vendor sent ${what} (HTTP ${answer.status})`, details);
}

export function throwHttp(answer: HttpAnswer, platform: Platform, path: string): never {
  throw new OpenApiError(`HTTP_${answer.status}`, `the vendor answered HTTP ${answer.status}`, {
    platform,
    path,
    httpStatus: answer.status,
    retryable: answer.status >= 500 || answer.status === 429,
    retryAfterMs: retryAfter(answer),
  });
}

/** A Retry-After header in ms (seconds, or an HTTP date), or undefined. */
export function retryAfter(answer: HttpAnswer): number | undefined {
  const value = answer.headers['retry-after']?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** HTTP 429, "Too Many Requests": what every vendor's gateway may answer. */
export const isHttpTooFrequent = (err: OpenApiError): boolean => err.httpStatus === 429;

/** The pause a 429's Retry-After asks for. */
export const httpRetryAfterMs = (err: OpenApiError): number | undefined => err.retryAfterMs;

/** A vendor's refusal, with its own code and text. */
export function vendorError(code: string | number, text: unknown, answer: HttpAnswer, platform: Platform, path: string): OpenApiError {
  const vendorMessage = typeof text === 'string' && text ? text : undefined;
  return new OpenApiError(code, vendorMessage ?? `refused with code ${code}`, {
    platform,
    path,
    httpStatus: answer.status,
    vendorMessage,
    serverDate: answer.headers.date ? Date.parse(answer.headers.date) : undefined,
    refusal: true,
    retryAfterMs: retryAfter(answer),
  });
}

/** A refusal while our clock is this far off the vendor's is a refusal of our timestamp, whatever the code. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Marks a vendor refusal of our timestamp: the adapter's own code for it, or
 * any refusal whose Date header shows our clock more than 5 minutes off when
 * the request was signed (Quectel SaaS refuses a skewed login with an
 * ordinary login code). The clock was corrected from that header already, so
 * the call may be signed and sent once more; it says nothing about the credentials.
 */
export function isClockRefusal(err: unknown, adapter: PlatformAdapter, signedAt: number): err is OpenApiError {
  if (!(err instanceof OpenApiError) || !err.refusal) return false;
  const skewed = err.serverDate !== undefined && Math.abs(err.serverDate - signedAt) > MAX_CLOCK_SKEW_MS;
  if (skewed || adapter.isTimestampRejected(err)) err.clockSkew = true;
  return err.clockSkew === true;
}

/** Sends a login-type request and reads it with the adapter, once more after a refusal of our timestamp. */
export async function sendSigned(ctx: PlatformContext, adapter: PlatformAdapter, build: () => PreparedRequest): Promise<ReadAnswer> {
  for (let attempt = 1; ; attempt++) {
    const signedAt = ctx.clock.now();
    const req = build();
    const answer = await ctx.transport.send(req, isRepeatable(req));
    try {
      return adapter.read(answer, req);
    } catch (err) {
      if (isClockRefusal(err, adapter, signedAt) && attempt === 1) continue;
      throw err;
    }
  }
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function num(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}
